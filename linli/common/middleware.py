class SecurityHeadersMiddleware:
    """Headers Django's SecurityMiddleware does not set: a Content-Security-Policy that allows
    nothing from outside this server (no CDN, ever) and a Permissions-Policy that keeps the
    camera available only to this site (for QR scanning)."""

    CSP = (
        "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
        "script-src 'self'; connect-src 'self'; font-src 'self' data:; object-src 'none'; "
        "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )
    # The bundled Swagger UI boots with an inline script.
    DOCS_CSP = CSP.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        csp = self.DOCS_CSP if request.path.startswith("/api/docs") else self.CSP
        response.headers.setdefault("Content-Security-Policy", csp)
        response.headers.setdefault(
            "Permissions-Policy", "camera=(self), microphone=(), geolocation=(self), payment=()"
        )
        return response
