// Files bundled as text modules (wrangler.toml [[rules]] type = "Text").
declare module "*.yaml" {
  const text: string;
  export default text;
}
