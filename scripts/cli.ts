/**
 * `npm run cli -- <command>`: operate Switchboard from a terminal against the local runtime or a
 * real deployment (`CONVEX_URL` + `SWITCHBOARD_TOKEN`). Human output by default, `--json` for
 * machines; the commands are in scripts/cli/commands.ts and documented in the README.
 */
import { connect } from "./cli/client";
import { httpCaller, runCli } from "./cli/commands";
import { loadDotEnv } from "./local/config";

loadDotEnv();
connect()
  .then((client) => runCli(process.argv.slice(2), httpCaller(client), (t) => console.log(t)))
  .then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
