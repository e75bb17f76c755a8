"""Serving an export's zip: only after the selector and the service said yes."""

from django.http import FileResponse, Http404

from fitnesscrm.privacy.models import DataExport


def export_response(export_record: DataExport) -> FileResponse:
    """The zip as an attachment that browsers neither sniff nor cache."""
    try:
        handle = export_record.file.storage.open(export_record.file.name, "rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404("This export's file is gone: make a new one.") from exc
    stamp = export_record.created_at.strftime("%Y%m%d-%H%M")
    response = FileResponse(handle, content_type="application/zip")
    response["Content-Disposition"] = (
        f'attachment; filename="personal-data-client-{export_record.client_id}-{stamp}.zip"'
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
