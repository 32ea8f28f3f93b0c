// The shell's syntax tree: what parse.ts builds and interp.ts walks.

export type WordPart =
  /** Unquoted text: subject to field splitting (no), globbing and brace expansion. */
  | { t: "lit"; v: string }
  /** Quoted text (single quotes, $'..', a backslash-escaped character): taken as it is. */
  | { t: "sq"; v: string }
  | { t: "dq"; parts: WordPart[] }
  | ParamPart
  | { t: "cmd"; body: List; src: string }
  | { t: "arith"; expr: Word }
  | { t: "tilde"; user: string };

export interface ParamPart {
  t: "param";
  name: string;
  /** Array subscript (bash): a word, or "@"/"*" as literal words. */
  index?: Word;
  /** ${#x} */
  length?: boolean;
  /** ${!x} (bash) */
  indirect?: boolean;
  /** The operator after the name: "-", ":-", "=", ":=", "+", ":+", "?", ":?", "#", "##", "%", "%%", "/", "//", "/#", "/%", ":", "^^", "^", ",,", ",". */
  op?: string;
  arg?: Word;
  /** The replacement of ${x/a/b}, the length of ${x:o:l}. */
  arg2?: Word;
  /** The source text between ${ and }, for "bad substitution". */
  src?: string;
}

export interface Word {
  parts: WordPart[];
}

export interface Redir {
  /** The fd written before the operator (2>), or null for the operator's default. */
  fd: number | null;
  op: string;
  target: Word;
  /** Here-document body: a word with expansions (unquoted delimiter) or literal text. */
  heredoc?: Word;
}

export interface Assign {
  name: string;
  index?: Word;
  value: Word | null;
  /** a=(x y z) (bash) */
  array?: Word[];
  append: boolean;
}

export type Command =
  | { t: "simple"; assigns: Assign[]; words: Word[]; redirs: Redir[]; line: number }
  | { t: "group"; body: List; redirs: Redir[]; line: number }
  | { t: "subshell"; body: List; redirs: Redir[]; line: number }
  | { t: "if"; clauses: { cond: List; body: List }[]; else: List | null; redirs: Redir[]; line: number }
  | { t: "loop"; until: boolean; cond: List; body: List; redirs: Redir[]; line: number }
  | { t: "for"; name: string; words: Word[] | null; body: List; redirs: Redir[]; line: number }
  | { t: "cfor"; init: Word; cond: Word; step: Word; body: List; redirs: Redir[]; line: number }
  | { t: "case"; word: Word; items: CaseItem[]; redirs: Redir[]; line: number }
  | { t: "func"; name: string; body: Command; src: string; line: number; redirs: Redir[] }
  | { t: "cond"; expr: CondNode; redirs: Redir[]; line: number }
  | { t: "arith"; expr: Word; redirs: Redir[]; line: number };

export interface CaseItem {
  patterns: Word[];
  body: List;
  /** ";;", ";&" (fall through) or ";;&" (test the next patterns too). */
  term: string;
}

export type CondNode =
  | { t: "and" | "or"; l: CondNode; r: CondNode }
  | { t: "not"; e: CondNode }
  | { t: "unary"; op: string; arg: Word }
  | { t: "binary"; op: string; l: Word; r: Word }
  | { t: "word"; w: Word };

export interface Pipeline {
  neg: boolean;
  cmds: Command[];
  /** `time` before it (bash): accepted, timing printed as zero-cost. */
  time?: boolean;
  line: number;
}

export interface AndOr {
  head: Pipeline;
  rest: { op: "&&" | "||"; pipe: Pipeline }[];
}

export type List = { andor: AndOr; bg: boolean }[];
