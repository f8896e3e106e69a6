/**
 * `npm run cli -- <command>`: operate Switchboard from a terminal against the local runtime or a
 * real deployment (`CONVEX_URL` + `SWITCHBOARD_TOKEN`). Human output by default, `--json` for
 * machines, `--help` per command; the commands are in scripts/cli/ and documented in the README.
 */
import { connect } from "./cli/client";
import { runCli } from "./cli/commands";
import { httpCaller, lazyCaller } from "./cli/core";
import { loadDotEnv } from "./local/config";

loadDotEnv();
const caller = lazyCaller(async () => httpCaller(await connect()));
runCli(process.argv.slice(2), caller, (t) => console.log(t)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
