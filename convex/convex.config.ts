/**
 * The Convex app and the components it uses: the rate limiter paces outbound sends per
 * business number and per customer (Meta's throughput and pair limits).
 */
import { defineApp } from "convex/server";
import rateLimiter from "@convex-dev/rate-limiter/convex.config";

const app = defineApp();
app.use(rateLimiter);

export default app;
