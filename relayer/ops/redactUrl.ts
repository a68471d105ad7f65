/** Query parameters that carry a credential. */
const SECRET_PARAMS = /^(key|api[-_]?key|token|access[-_]?token|auth|secret)$/i;
/** A path segment that looks like an API key (providers put it there: `/v2/<key>`). */
const KEY_SEGMENT = /^[A-Za-z0-9_-]{20,}$/;

/**
 * A URL safe to print: its password, API-key-like path segments (20 or more letters, digits, `-`
 * or `_`) and credential query parameters replaced by `***`.
 *
 * @param url any URL (a string that does not parse is returned as it is)
 * @returns e.g. `redis://user:***@host:6379`, `https://eth.example.com/v2/***`
 */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  let changed = false;
  if (parsed.password !== "") {
    parsed.password = "***";
    changed = true;
  }
  const segments = parsed.pathname.split("/");
  const masked = segments.map((segment) => (KEY_SEGMENT.test(segment) ? "***" : segment));
  if (masked.some((segment, i) => segment !== segments[i])) {
    parsed.pathname = masked.join("/");
    changed = true;
  }
  for (const name of [...parsed.searchParams.keys()])
    if (SECRET_PARAMS.test(name)) {
      parsed.searchParams.set(name, "***");
      changed = true;
    }
  return changed ? parsed.toString().replaceAll("%2A%2A%2A", "***") : url;
}

/**
 * `text` with every configured RPC URL, in any form an error message shows it (as configured, or
 * as viem prints it without the user and password), replaced by its redacted form and its chain.
 *
 * @param text an error message
 * @param rpcs each chain's RPC URLs
 * @returns e.g. `HTTP request failed. URL: https://eth.example.com/v2/*** (chain 1)`
 */
export function labelRpcUrls(text: string, rpcs: readonly { chainId: number; url: string }[]): string {
  const labels = new Map<string, string>();
  for (const { chainId, url } of rpcs)
    for (const form of urlForms(url)) labels.set(form, `${redactUrl(url)} (chain ${chainId})`);
  if (labels.size === 0) return text;
  // One pass, longest form first: a label is never matched again.
  const forms = [...labels.keys()].sort((a, b) => b.length - a.length);
  const pattern = new RegExp(forms.map((f) => f.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|"), "g");
  return text.replace(pattern, (form) => labels.get(form) ?? form);
}

/** The URL as configured, and as `new URL` and viem (without credentials) render it. */
function urlForms(url: string): string[] {
  const forms = new Set([url]);
  try {
    const parsed = new URL(url);
    forms.add(parsed.toString());
    parsed.username = "";
    parsed.password = "";
    forms.add(parsed.toString());
  } catch {
    // not a URL: only its literal form
  }
  return [...forms];
}
