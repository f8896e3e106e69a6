/** The HTTP route table: webhooks only; the handlers live in webhooks.ts. */
import { httpRouter } from "convex/server";
import { kapsoMessages, kapsoProject, metaEvents, metaHandshake } from "./whatsapp/webhooks";

const http = httpRouter();

http.route({ path: "/webhook/kapso/messages", method: "POST", handler: kapsoMessages });
http.route({ path: "/webhook/kapso/project", method: "POST", handler: kapsoProject });
http.route({ path: "/webhook/meta", method: "GET", handler: metaHandshake });
http.route({ path: "/webhook/meta", method: "POST", handler: metaEvents });

export default http;
