/**
 * Loopback addresses, the one definition: where the client may use plain http (a base URL), where
 * the emulator may serve its admin routes without a key, and the only `Host` those routes then
 * answer to.
 *
 * @internal
 */

/** Whether a host (a name or an address, IPv6 in brackets or not) is a loopback address. @internal */
export const isLoopbackHost = (host: string): boolean => {
  const address = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, "$1")
  return (
    address === "localhost" ||
    address === "::1" ||
    /^0{0,4}(:0{0,4}){6}:0{0,3}1$/.test(address) ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(address) ||
    /^::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(address)
  )
}

/**
 * Whether a `Host` header names a loopback host (its port aside). A browser page on another origin
 * that rebinds its DNS name to 127.0.0.1 sends its own name, which this refuses.
 *
 * @internal
 */
export const isLoopbackHostHeader = (header: string | undefined): boolean => {
  if (header === undefined) return false
  const host = header.trim()
  const bracketed = /^\[([^\]]*)\](?::\d+)?$/.exec(host)
  if (bracketed !== null) return isLoopbackHost(bracketed[1]!)
  const colon = host.lastIndexOf(":")
  // one colon: a name or IPv4 address with a port; more: an IPv6 address without brackets
  return isLoopbackHost(colon >= 0 && host.indexOf(":") === colon ? host.slice(0, colon) : host)
}
