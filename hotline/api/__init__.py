"""The JSON API's frame (`/api/v1`): reading and validating bodies (bodies.py) and the OpenAPI document
(openapi.py). The routes live with their features (tickets, auth, follow-up, scoring, …)."""
