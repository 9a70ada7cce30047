import { CognitoPreset, environmentLabel, exitUnderCli, presetFor } from './index';
import { decodeSettings } from './spec';

/**
 * The module PostGraphile v5's CLI loads with `-P`; its export is the
 * preset itself, as the CLI requires:
 *   postgraphile -P postgraphile/presets/amber,postgraphile-cognito/preset -c … -s app
 * configured by COGNITO_* variables and the rc file (or by run, which hands
 * over its configuration). `-P …/preset:cfg_…`, which `args` prints, carries
 * the configuration in the export name instead. The configuration is read
 * when PostGraphile asks for the preset, not when the module loads, so the
 * second form never reads the environment's.
 */
const preset = new Proxy({ plugins: [] } as CognitoPreset, {
  get(target, name) {
    if (name === 'plugins') return presetFor({}, environmentLabel).plugins;
    if (typeof name === 'string') {
      let settings;
      try {
        settings = decodeSettings(name);
      } catch (error) {
        exitUnderCli(error);
        throw error;
      }
      if (settings) return presetFor(settings, (key) => `${key} in the -P preset name (printed by postgraphile-cognito args)`);
    }
    return Reflect.get(target, name);
  },
});

export = preset;
