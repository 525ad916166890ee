"""The meetings HTTP API: Starlette endpoints, their routes, request helpers and the OpenAPI description."""
