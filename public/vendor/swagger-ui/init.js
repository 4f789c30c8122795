// Starts Swagger UI on MatterCraft's own OpenAPI document. validatorUrl is off so the page
// never calls an outside validator: the docs work offline.
window.ui = SwaggerUIBundle({
  url: "/v1/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
});
