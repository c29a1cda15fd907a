"""Raw mail and attachments in S3."""

from typing import Any

from finestra.channels.email import MailRejected


class S3MailStore:
    """Reads raw mail from the receipt bucket and keeps attachments in their own bucket."""

    def __init__(self, client: Any, attachments_bucket: str) -> None:
        self._client = client
        self._attachments = attachments_bucket

    def fetch(self, bucket: str, key: str, max_bytes: int) -> bytes:
        """The raw message; refused unread when larger than ``max_bytes``."""
        try:
            head = self._client.head_object(Bucket=bucket, Key=key)
        except self._client.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
                raise MailRejected("missing_object", "the stored message is not there") from exc
            raise
        if int(head["ContentLength"]) > max_bytes:
            raise MailRejected("too_large", "the message is larger than the city accepts")
        response = self._client.get_object(Bucket=bucket, Key=key)
        return bytes(response["Body"].read())

    def keep(self, key: str, body: bytes, content_type: str) -> None:
        """Store an attachment, encrypted, under ``key``."""
        self._client.put_object(
            Bucket=self._attachments,
            Key=key,
            Body=body,
            ContentType=content_type,
            ServerSideEncryption="aws:kms",
        )
