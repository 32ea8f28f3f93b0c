// The files tools, listed for tools/index.ts.
import type { Tool } from "../../types";
import { chgrp, chmod, chown } from "./attrs";
import { base64 } from "./base64";
import { cat } from "./cat";
import { cp } from "./cp";
import { dd } from "./dd";
import { du } from "./du";
import { file } from "./file";
import { find } from "./find";
import { gzip } from "./gzip";
import { ln } from "./ln";
import { ls } from "./ls";
import { mkdir } from "./mkdir";
import { mktemp } from "./mktemp";
import { mv } from "./mv";
import { basename, dirname, readlink, realpath } from "./paths";
import { rm, rmdir } from "./rm";
import { stat } from "./stat";
import { sums } from "./sums";
import { sync } from "./sync";
import { tar } from "./tar";
import { tee } from "./tee";
import { touch } from "./touch";
import { truncate } from "./truncate";
import { which } from "./which";

export const FILE_TOOLS: Tool[] = [
  ls, cat, cp, mv, rm, rmdir, mkdir, touch, ln, chmod, chown, chgrp, stat, find, du, readlink, realpath, basename, dirname,
  tee, dd, sums, base64, mktemp, which, file, truncate, sync, tar, gzip,
];
