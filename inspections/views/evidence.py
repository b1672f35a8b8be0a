"""Evidence files: only through the access check. Download as an attachment with its original (Chinese) name;
preview (PDF, JPG, PNG) inline, for an <img>, an <iframe> on the task page, or a new tab."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.views.decorators.clickjacking import xframe_options_sameorigin

from ..access import access_evidence
from ..uploads import PREVIEW_TYPES

# The preview's own policy: the file is shown by the browser (its image viewer or Chromium's PDF viewer),
# never by our pages' scripts. Nothing may load from elsewhere, no script of ours runs in it, and only this
# site may frame it (the task page's <iframe>). The PDF viewer needs object-src for the file's own origin
# and draws with inline styles; no `sandbox` (Chromium refuses to show a PDF in a sandboxed document).
PREVIEW_POLICY = {
    "default-src": ["'none'"],
    "img-src": ["'self'"],
    "object-src": ["'self'"],
    "style-src": ["'unsafe-inline'"],
    "base-uri": ["'none'"],
    "form-action": ["'none'"],
    "frame-ancestors": ["'self'"],
}


def _open(evidence):
    try:
        return evidence.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404("file missing") from None


@login_required
def evidence_download(request, pk):
    evidence = access_evidence(request.user, pk)
    handle = _open(evidence)
    # FileResponse writes filename*=utf-8''... (RFC 5987) for non-ASCII names.
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=evidence.original_name,
        content_type=evidence.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@xframe_options_sameorigin
def evidence_preview(request, pk):
    """The file inline (Content-Disposition: inline) with its checked type; other types are not previewed (404):
    a DOCX or ZIP is downloaded, never opened by the browser."""
    evidence = access_evidence(request.user, pk)
    if evidence.content_type not in PREVIEW_TYPES:
        raise Http404("no preview for this type")
    response = FileResponse(
        _open(evidence), as_attachment=False, filename=evidence.original_name, content_type=evidence.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response._csp_config = PREVIEW_POLICY  # django-csp: this response's whole policy
    return response
