// The API reference: Swagger UI over /openapi.json, one section per product surface. Swagger UI
// lists operations by tag and knows no tag groups, so each operation is shown under its
// surface's group (`x-group`) and keeps its own tags in its summary line.
(async function main() {
  const response = await fetch('/openapi.json', { headers: { accept: 'application/json' } });
  const spec = await response.json();
  const groups = (spec['x-tagGroups'] || []).map((g) => g.name);
  for (const item of Object.values(spec.paths)) {
    for (const operation of Object.values(item)) {
      if (!operation || typeof operation !== 'object' || !operation['x-group']) continue;
      const own = (operation.tags || []).join(', ');
      operation.summary = own ? `[${own}] ${operation.summary || ''}` : operation.summary;
      operation.tags = [operation['x-group']];
    }
  }
  spec.tags = groups.map((name) => ({ name }));
  window.ui = SwaggerUIBundle({
    spec,
    dom_id: '#docs',
    deepLinking: true,
    docExpansion: 'list',
    defaultModelsExpandDepth: -1,
    tagsSorter: (a, b) => groups.indexOf(a) - groups.indexOf(b),
    operationsSorter: 'alpha',
    filter: true,
    // Nothing from anywhere else: no validator badge, no remote spec URL.
    validatorUrl: null,
  });
})();
