/**
 * Who may sign calls: Clerk (JWT template named `convex`, with `org_id`, `org_role` and
 * `org_name` claims). The offline runtime adds its own local issuer through the same variables.
 */
const clerkDomain = process.env.CLERK_JWT_ISSUER_DOMAIN;

export default {
  providers: clerkDomain ? [{ domain: clerkDomain, applicationID: "convex" }] : [],
};
