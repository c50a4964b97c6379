"""Security headers for every response: the content security policy, and what the browser may use."""

from csp.constants import UNSAFE_INLINE
from csp.middleware import CSPMiddleware


class SiteCSPMiddleware(CSPMiddleware):
    """The strict policy of settings.CONTENT_SECURITY_POLICY everywhere, except that Django's admin and the API
    docs (Swagger UI's page carries a small inline stylesheet) keep inline styles; their scripts stay 'self'."""

    INLINE_STYLE_PATHS = ("/admin/", "/api/docs/")

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only and request.path_info.startswith(self.INLINE_STYLE_PATHS):
            parts.update = {**(parts.update or {}), "style-src": [UNSAFE_INLINE]}
        return parts


class PermissionsPolicyMiddleware:
    """No page of this site needs the camera, microphone, location or payment APIs."""

    POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", self.POLICY)
        return response
