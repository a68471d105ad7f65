/**
 * A URL safe to print: its password (if any) replaced by `***`.
 *
 * @param url any URL (a string that does not parse is returned as it is)
 * @returns e.g. `redis://user:***@host:6379`
 */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password === "") return url;
    parsed.password = "***";
    return parsed.toString();
  } catch {
    return url;
  }
}
