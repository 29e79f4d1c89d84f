"""OpenAPI: the optional bearer token of event batches is the end users' JWT scheme."""
from drf_spectacular.extensions import OpenApiAuthenticationExtension


class OptionalUserAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "analytics.authentication.OptionalUserAuthentication"
    name = "jwtAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                "description": "Optional on event batches: a bad token is ignored, never refused."}
