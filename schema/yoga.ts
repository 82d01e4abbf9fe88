// The one GraphQL server: the dev server, the Lambda handler and the tests all use it.
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import type { Db } from '../db/client.js';
import { createContext, type Context } from './context.js';
import { schema } from './index.js';
import { exportPlugin } from './partner/export.js';

export const EXAMPLE_QUERY = `# Members using the Vietnam Youth app, Lạng Sơn and its first communes, October 2026.
query AppAdoption {
  unit(code: "LS") {
    name
    kpi(id: APP_ADOPTION, period: "2026-10") { value numerator denominator }
    children(first: 5) {
      nodes {
        code
        name
        kpi(id: APP_ADOPTION, period: "2026-10") { value numerator denominator }
      }
    }
  }
}
`;

export function makeYoga(db: Db, options: { graphiql?: boolean } = {}): YogaServerInstance<{}, Context> {
  return createYoga<{}, Context>({
    schema,
    context: () => createContext(db),
    graphqlEndpoint: '/graphql',
    graphiql: options.graphiql === false ? false : { defaultQuery: EXAMPLE_QUERY, title: 'Youth Union KPIs' },
    landingPage: false,
    plugins: [exportPlugin(db)],
  });
}
