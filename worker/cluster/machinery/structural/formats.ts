// The string formats apiextensions-apiserver checks in custom resources (go-openapi's strfmt
// registry as kube-apiserver configures it). Numeric formats (int32, int64, float, double) are
// not checked, and unknown formats are ignored, as in kube-apiserver.
import { isIP, isIPv4 } from "../validation";

const HOSTNAME = /^(?=.{1,255}$)[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*\.?$/;
const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const UUID3 = /^[0-9a-f]{8}-?[0-9a-f]{4}-?3[0-9a-f]{3}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const UUID4 = /^[0-9a-f]{8}-?[0-9a-f]{4}-?4[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$/i;
const UUID5 = /^[0-9a-f]{8}-?[0-9a-f]{4}-?5[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$/i;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
// RFC 3339 as strfmt's ParseDateTime accepts it: fractional seconds and the zone optional forms.
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:?\d{2})?$/;
const MAC = /^(?:[0-9a-fA-F]{2}([-:]))(?:[0-9a-fA-F]{2}\1){4}[0-9a-fA-F]{2}$|^(?:[0-9a-fA-F]{2}([-:]))(?:[0-9a-fA-F]{2}\2){6}[0-9a-fA-F]{2}$|^(?:[0-9a-fA-F]{4}\.){2}[0-9a-fA-F]{4}$/;
const EMAIL = /^[^\s@<>()[\],;:"]+@[^\s@<>()[\],;:"]+$/;
const DURATION = /^(?:[-+]?(?:\d+(?:\.\d*)?|\.\d+)\s*(?:ns|us|µs|ms|s|m|h|d|w|(?:nanosecond|microsecond|millisecond|second|minute|hour|day|week)s?)\s*)+$/;
const HEXCOLOR = /^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/;
const RGBCOLOR = /^rgb\(\s*(\d{1,3})\s*,\s*(\d{1,3})\s*,\s*(\d{1,3})\s*\)$/;
const BSON = /^[0-9a-fA-F]{24}$/;
const SSN = /^\d{3}[- ]?\d{2}[- ]?\d{4}$/;
const ISBN10 = /^(?:[0-9]{9}X|[0-9]{10})$/;
const ISBN13 = /^(?:[0-9]{13})$/;
const CREDITCARD = /^(?:4[0-9]{12}(?:[0-9]{3})?|5[1-5][0-9]{14}|6(?:011|5[0-9][0-9])[0-9]{12}|3[47][0-9]{13}|3(?:0[0-5]|[68][0-9])[0-9]{11}|(?:2131|1800|35\d{3})\d{11})$/;

function validDate(y: string, m: string, d: string): boolean {
  const mm = Number(m);
  const dd = Number(d);
  if (mm < 1 || mm > 12 || dd < 1) return false;
  const days = new Date(Date.UTC(Number(y), mm, 0)).getUTCDate();
  return dd <= days;
}

function base64(v: string): boolean {
  // Go's base64.StdEncoding: padding required, line breaks ignored.
  const text = v.replace(/[\r\n]/g, "");
  return text.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(text);
}

function cidr(v: string): boolean {
  const slash = v.indexOf("/");
  if (slash < 0) return false;
  const ip = v.slice(0, slash);
  const bits = v.slice(slash + 1);
  if (!/^\d{1,3}$/.test(bits)) return false;
  const max = isIPv4(ip) ? 32 : isIP(ip) ? 128 : -1;
  return max >= 0 && Number(bits) <= max;
}

function uri(v: string): boolean {
  // url.ParseRequestURI: an absolute URI, or an absolute path.
  if (v.startsWith("/")) return !/\s/.test(v);
  try {
    new URL(v);
    return /^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(v);
  } catch {
    return false;
  }
}

const CHECKS: Record<string, (v: string) => boolean> = {
  bsonobjectid: (v) => BSON.test(v),
  uri,
  email: (v) => EMAIL.test(v),
  hostname: (v) => HOSTNAME.test(v),
  ipv4: (v) => isIPv4(v),
  ipv6: (v) => v.includes(":") && isIP(v),
  cidr,
  mac: (v) => MAC.test(v),
  uuid: (v) => UUID.test(v),
  uuid3: (v) => UUID3.test(v),
  uuid4: (v) => UUID4.test(v),
  uuid5: (v) => UUID5.test(v),
  isbn: (v) => ISBN10.test(v.replace(/[- ]/g, "")) || ISBN13.test(v.replace(/[- ]/g, "")),
  isbn10: (v) => ISBN10.test(v.replace(/[- ]/g, "")),
  isbn13: (v) => ISBN13.test(v.replace(/[- ]/g, "")),
  creditcard: (v) => CREDITCARD.test(v.replace(/[- ]/g, "")),
  ssn: (v) => SSN.test(v),
  hexcolor: (v) => HEXCOLOR.test(v),
  rgbcolor: (v) => {
    const m = RGBCOLOR.exec(v);
    return !!m && [m[1], m[2], m[3]].every((x) => Number(x) <= 255);
  },
  byte: base64,
  password: () => true,
  date: (v) => {
    const m = DATE.exec(v);
    return !!m && validDate(m[1], m[2], m[3]);
  },
  "date-time": (v) => {
    const m = DATE_TIME.exec(v);
    return !!m && validDate(m[1], m[2], m[3]) && Number(m[4]) < 24 && Number(m[5]) < 60 && Number(m[6]) < 61;
  },
  datetime: (v) => CHECKS["date-time"](v),
  duration: (v) => DURATION.test(v.trim()),
};

/** Whether kube-apiserver checks `format` on strings. */
export function isCheckedFormat(format: string): boolean {
  return Object.prototype.hasOwnProperty.call(CHECKS, format);
}

/** Whether `v` satisfies `format` (formats that are not checked accept everything). */
export function matchesFormat(format: string, v: string): boolean {
  const check = CHECKS[format];
  return !check || check(v);
}
