"""The browsable API (a browser opening /api/...): DRF's, with the one CSP exception its templates need."""

from csp.constants import UNSAFE_INLINE
from rest_framework.renderers import BrowsableAPIRenderer


class BrowsableAPIRendererAllowingInlineStyles(BrowsableAPIRenderer):
    """DRF's browsable API pages carry a <style> element (code highlighting) and style= attributes.

    Only these HTML pages get style-src 'unsafe-inline' added; scripts stay 'self' only, and JSON
    responses, Swagger UI and the rest of the site keep the strict policy. django-csp reads the
    update from the response, like its @csp_update decorator sets it.
    """

    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        if response is not None:
            response._csp_update = {"style-src": [UNSAFE_INLINE]}
        return super().render(data, accepted_media_type, renderer_context)
