/** Reading PostGraphile's own arguments, for the options we must merge ours into. */

export interface TakenOption {
  /** The option's values in order (comma lists split, unless `list` is false); null when it is absent. */
  values: string[] | null;
  /** Every other argument, unchanged and in order. */
  rest: string[];
}

/** Takes every `--name x` / `--name=x` (any of `names`) out of `args`, wherever it stands. */
export function takeOption(args: readonly string[], names: readonly string[], { list = true }: { list?: boolean } = {}): TakenOption {
  const split = (value: string) => (list ? splitList(value) : [value]);
  const rest: string[] = [];
  let values: string[] | null = null;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const joined = names.find((name) => arg.startsWith(`${name}=`));
    if (names.includes(arg) && i + 1 < args.length) {
      values = [...(values ?? []), ...split(args[++i]!)];
    } else if (joined) {
      values = [...(values ?? []), ...split(arg.slice(joined.length + 1))];
    } else {
      rest.push(arg);
    }
  }
  return { values, rest };
}

export function splitList(text: string): string[] {
  return text.split(',').map((s) => s.trim()).filter((s) => s !== '');
}
