"""The OpenAPI security scheme of the end users' JWT (registered in AccountsConfig.ready)."""
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object


class JWTAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.JWTAuthentication"
    match_subclasses = True
    name = "userJWT"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(header_name="Authorization", token_prefix="Bearer",
                                                   bearer_format="JWT")


class AdminJWTAuthenticationScheme(JWTAuthenticationScheme):
    """The same token, named apart: the admin endpoints want a staff user's token."""

    target_class = "accounts.authentication.AdminJWTAuthentication"
    match_subclasses = False
    priority = 1
    name = "adminJWT"

    def get_security_definition(self, auto_schema):
        definition = super().get_security_definition(auto_schema)
        definition["description"] = "A JWT of a staff user (is_staff)."
        return definition
