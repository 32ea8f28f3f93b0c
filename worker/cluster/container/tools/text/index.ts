// The text tools, listed for tools/index.ts.
import type { Tool } from "../../types";
import { awk } from "./awk";
import { falseTool, nice, nohup, sleep, trueTool, yes } from "./control";
import { cut } from "./cut";
import { date } from "./date";
import { diff } from "./diff";
import { hexdump, od, xxd } from "./dump";
import { echo } from "./echo";
import { env, printenv } from "./env";
import { expr } from "./expr";
import { fold, nl, paste, rev, tac } from "./filters";
import { grep } from "./grep";
import { head } from "./head";
import { printf } from "./printf";
import { sed } from "./sed";
import { seq } from "./seq";
import { sort } from "./sort";
import { column, strings } from "./strings";
import { tail } from "./tail";
import { clear, getconf, pager, stty, tput } from "./terminal";
import { test } from "./test";
import { timeout } from "./timeout";
import { tr } from "./tr";
import { uniq } from "./uniq";
import { watch } from "./watch";
import { wc } from "./wc";
import { xargs } from "./xargs";

export const TEXT_TOOLS: Tool[] = [
  echo, printf, head, tail, grep, wc, sort, uniq, cut, tr, sed, awk, date, expr, seq, yes, sleep, trueTool, falseTool, nohup, nice,
  env, printenv, xargs, timeout, watch, test, rev, tac, nl, paste, fold, diff, od, hexdump, xxd, strings, column, pager, clear, tput,
  stty, getconf,
];
