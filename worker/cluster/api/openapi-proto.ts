// A Swagger 2.0 document as gnostic's openapi_v2.Document protobuf (gnostic-models'
// openapiv2/OpenAPIv2.proto): what kube-apiserver answers for /openapi/v2 when asked for
// application/com.github.proto-openapi.spec.v2.v1.0+protobuf, and all client-go can read there.
// Only the parts of Swagger 2.0 our document uses are mapped; the field numbers are gnostic's.
// Maps become repeated Named* pairs in document order; values gnostic keeps as Any (vendor
// extensions, defaults, enums) are carried as YAML text, which is how clients read them back.
import { stringify as toYaml } from "yaml";

type Json = Record<string, unknown>;

const utf8 = new TextEncoder();

/** Writes protobuf fields into a growing buffer (proto3: default scalars are left out). */
class Writer {
  private buf: Uint8Array<ArrayBuffer> = new Uint8Array(64);
  private len = 0;

  private ensure(n: number) {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  private varint(v: number) {
    this.ensure(10);
    while (v > 0x7f) {
      this.buf[this.len++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.len++] = v;
  }

  private tag(field: number, wire: 0 | 1 | 2) {
    this.varint(field * 8 + wire);
  }

  private bytes(field: number, b: Uint8Array) {
    this.tag(field, 2);
    this.varint(b.length);
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  string(field: number, s: unknown) {
    if (typeof s === "string" && s !== "") this.bytes(field, utf8.encode(s));
  }

  strings(field: number, list: unknown) {
    if (Array.isArray(list)) for (const s of list) this.bytes(field, utf8.encode(String(s)));
  }

  /** A bool; `always` for a oneof member, which is written even when false. */
  bool(field: number, b: unknown, always = false) {
    if (typeof b !== "boolean" || (!b && !always)) return;
    this.tag(field, 0);
    this.varint(b ? 1 : 0);
  }

  int64(field: number, n: unknown) {
    if (typeof n !== "number" || n === 0) return;
    if (n < 0 || !Number.isSafeInteger(n)) throw new Error(`int64 out of range: ${n}`);
    this.tag(field, 0);
    this.varint(n);
  }

  double(field: number, n: unknown) {
    if (typeof n !== "number" || n === 0) return;
    this.tag(field, 1);
    this.ensure(8);
    new DataView(this.buf.buffer, this.buf.byteOffset + this.len, 8).setFloat64(0, n, true);
    this.len += 8;
  }

  /** An embedded message; written even when empty (a present message is not a missing one). */
  message(field: number, write: (w: Writer) => void) {
    const child = new Writer();
    write(child);
    this.bytes(field, child.finish());
  }

  finish(): Uint8Array<ArrayBuffer> {
    return this.buf.subarray(0, this.len);
  }
}

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const entries = (v: unknown): [string, unknown][] => (isObject(v) ? Object.entries(v) : []);

/** Any { yaml = 2 } */
function any(w: Writer, field: number, value: unknown) {
  w.message(field, (a) => a.string(2, toYaml(value)));
}

/** repeated NamedAny vendor_extension: every `x-` key of an object. */
function extensions(w: Writer, field: number, o: Json) {
  for (const [k, v] of Object.entries(o)) {
    if (!k.startsWith("x-")) continue;
    w.message(field, (n) => {
      n.string(1, k);
      any(n, 2, v);
    });
  }
}

/** Schema (message Schema in OpenAPIv2.proto). */
function schema(w: Writer, s: Json) {
  w.string(1, s.$ref);
  w.string(2, s.format);
  w.string(3, s.title);
  w.string(4, s.description);
  if ("default" in s) any(w, 5, s.default);
  w.double(6, s.multipleOf);
  w.double(7, s.maximum);
  w.bool(8, s.exclusiveMaximum);
  w.double(9, s.minimum);
  w.bool(10, s.exclusiveMinimum);
  w.int64(11, s.maxLength);
  w.int64(12, s.minLength);
  w.string(13, s.pattern);
  w.int64(14, s.maxItems);
  w.int64(15, s.minItems);
  w.bool(16, s.uniqueItems);
  w.int64(17, s.maxProperties);
  w.int64(18, s.minProperties);
  w.strings(19, s.required);
  if (Array.isArray(s.enum)) for (const e of s.enum) any(w, 20, e);
  const extra = s.additionalProperties;
  if (typeof extra === "boolean") w.message(21, (a) => a.bool(2, extra, true));
  else if (isObject(extra)) w.message(21, (a) => a.message(1, (x) => schema(x, extra)));
  if (s.type !== undefined) w.message(22, (t) => t.strings(1, Array.isArray(s.type) ? s.type : [s.type]));
  if (s.items !== undefined) w.message(23, (i) => (Array.isArray(s.items) ? s.items : [s.items]).forEach((x) => i.message(1, (y) => schema(y, x as Json))));
  if (Array.isArray(s.allOf)) for (const x of s.allOf) w.message(24, (y) => schema(y, x as Json));
  if (s.properties !== undefined) w.message(25, (p) => namedSchemas(p, 1, s.properties));
  w.string(26, s.discriminator);
  w.bool(27, s.readOnly);
  if ("example" in s) any(w, 30, s.example);
  extensions(w, 31, s);
}

/** repeated NamedSchema { name = 1; value = 2 } */
function namedSchemas(w: Writer, field: number, map: unknown) {
  for (const [name, value] of entries(map))
    w.message(field, (n) => {
      n.string(1, name);
      n.message(2, (v) => schema(v, value as Json));
    });
}

/** QueryParameterSubSchema (query) or PathParameterSubSchema / HeaderParameterSubSchema (path, header): the same fields from `type` on, numbered one apart. */
function nonBodyParameter(w: Writer, p: Json) {
  const query = p.in === "query" || p.in === "formData";
  const at = query ? 1 : 0; // query and formData have allow_empty_value (5) before type
  w.bool(1, p.required);
  w.string(2, p.in);
  w.string(3, p.description);
  w.string(4, p.name);
  if (query) w.bool(5, p.allowEmptyValue);
  w.string(5 + at, p.type);
  w.string(6 + at, p.format);
  w.string(8 + at, p.collectionFormat);
  if ("default" in p) any(w, 9 + at, p.default);
  w.bool(19 + at, p.uniqueItems);
  if (Array.isArray(p.enum)) for (const e of p.enum) any(w, 20 + at, e);
  extensions(w, 22 + at, p);
}

const NON_BODY_FIELD: Record<string, number> = { header: 1, formData: 2, query: 3, path: 4 };

/** ParametersItem { Parameter parameter = 1 | JsonReference json_reference = 2 } */
function parametersItem(w: Writer, field: number, p: Json) {
  w.message(field, (item) => {
    if (typeof p.$ref === "string") {
      item.message(2, (r) => {
        r.string(1, p.$ref);
        r.string(2, p.description);
      });
      return;
    }
    item.message(1, (param) => {
      if (p.in === "body") {
        param.message(1, (b) => {
          b.string(1, p.description);
          b.string(2, p.name);
          b.string(3, p.in);
          b.bool(4, p.required);
          if (isObject(p.schema)) b.message(5, (s) => schema(s, p.schema as Json));
          extensions(b, 6, p);
        });
        return;
      }
      const which = NON_BODY_FIELD[String(p.in)];
      if (!which) throw new Error(`parameter in ${String(p.in)}`);
      param.message(2, (nb) => nb.message(which, (sub) => nonBodyParameter(sub, p)));
    });
  });
}

/** Operation */
function operation(w: Writer, o: Json) {
  w.strings(1, o.tags);
  w.string(2, o.summary);
  w.string(3, o.description);
  w.string(5, o.operationId);
  w.strings(6, o.produces);
  w.strings(7, o.consumes);
  if (Array.isArray(o.parameters)) for (const p of o.parameters) parametersItem(w, 8, p as Json);
  if (o.responses !== undefined)
    w.message(9, (rs) => {
      for (const [code, r] of entries(o.responses))
        rs.message(1, (named) => {
          named.string(1, code);
          // ResponseValue { Response response = 1 }, Response { description = 1; SchemaItem schema = 2 }
          named.message(2, (value) =>
            value.message(1, (resp) => {
              const res = r as Json;
              resp.string(1, res.description);
              if (isObject(res.schema)) resp.message(2, (item) => item.message(1, (s) => schema(s, res.schema as Json)));
              extensions(resp, 5, res);
            }),
          );
        });
      extensions(rs, 2, o.responses as Json);
    });
  w.strings(10, o.schemes);
  w.bool(11, o.deprecated);
  extensions(w, 13, o);
}

const METHOD_FIELD: Record<string, number> = { get: 2, put: 3, post: 4, delete: 5, options: 6, head: 7, patch: 8 };

/** PathItem */
function pathItem(w: Writer, item: Json) {
  w.string(1, item.$ref);
  for (const [method, field] of Object.entries(METHOD_FIELD)) if (isObject(item[method])) w.message(field, (o) => operation(o, item[method] as Json));
  if (Array.isArray(item.parameters)) for (const p of item.parameters) parametersItem(w, 9, p as Json);
  extensions(w, 10, item);
}

/** The whole Document. */
export function encodeDocument(doc: Json): Uint8Array<ArrayBuffer> {
  const w = new Writer();
  w.string(1, doc.swagger);
  if (isObject(doc.info)) {
    const info = doc.info;
    w.message(2, (i) => {
      i.string(1, info.title);
      i.string(2, info.version);
      i.string(3, info.description);
      extensions(i, 7, info);
    });
  }
  w.string(3, doc.host);
  w.string(4, doc.basePath);
  w.strings(5, doc.schemes);
  w.strings(6, doc.consumes);
  w.strings(7, doc.produces);
  if (isObject(doc.paths)) {
    const paths = doc.paths;
    w.message(8, (p) => {
      extensions(p, 1, paths);
      for (const [path, item] of Object.entries(paths)) {
        if (path.startsWith("x-")) continue;
        p.message(2, (named) => {
          named.string(1, path);
          named.message(2, (v) => pathItem(v, item as Json));
        });
      }
    });
  }
  if (isObject(doc.definitions)) w.message(9, (d) => namedSchemas(d, 1, doc.definitions));
  if (Array.isArray(doc.security))
    for (const req of doc.security)
      // SecurityRequirement { repeated NamedStringArray additional_properties = 1 }
      w.message(12, (r) => {
        for (const [name, scopes] of entries(req))
          r.message(1, (n) => {
            n.string(1, name);
            n.message(2, (a) => a.strings(1, scopes));
          });
      });
  if (isObject(doc.securityDefinitions)) {
    const defs = doc.securityDefinitions;
    // SecurityDefinitions { repeated NamedSecurityDefinitionsItem additional_properties = 1 }
    w.message(13, (sd) => {
      for (const [name, def] of Object.entries(defs)) {
        const d = def as Json;
        if (d.type !== "apiKey") throw new Error(`security definition of type ${String(d.type)}`);
        sd.message(1, (n) => {
          n.string(1, name);
          // SecurityDefinitionsItem { ApiKeySecurity api_key_security = 2 }
          n.message(2, (item) =>
            item.message(2, (k) => {
              k.string(1, d.type);
              k.string(2, d.name);
              k.string(3, d.in);
              k.string(4, d.description);
              extensions(k, 5, d);
            }),
          );
        });
      }
    });
  }
  extensions(w, 16, doc);
  return w.finish();
}
