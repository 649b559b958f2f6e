import { defaultRoleRegistry } from '../roles/default-roles.js';
import { allRoutes, apiDocument } from './api-document.js';
import { renderApiMarkdown } from './api-markdown.js';

/** The generated API docs, repository path → content: what `npm run docs:api` writes and a unit test compares. */
export function renderedApiDocs(): Record<'docs/openapi.json' | 'docs/api.md', string> {
  const registry = defaultRoleRegistry();
  const routes = allRoutes(registry.names.map((n) => registry.resolve(n)));
  return {
    'docs/openapi.json': JSON.stringify(apiDocument(routes), null, 2) + '\n',
    'docs/api.md': renderApiMarkdown(routes),
  };
}
