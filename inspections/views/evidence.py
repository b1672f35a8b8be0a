"""Evidence download: only through the access check, as an attachment with its original (Chinese) name."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404

from ..access import access_evidence


@login_required
def evidence_download(request, pk):
    evidence = access_evidence(request.user, pk)
    try:
        handle = evidence.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404("file missing") from None
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
