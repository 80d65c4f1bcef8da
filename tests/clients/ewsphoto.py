"""GetUserPhoto for exchangelib, built on exchangelib's own request plumbing.

exchangelib 4.9 has no GetUserPhoto service, so this module adds one the way its
own services are written: an EWSService subclass that builds the m:GetUserPhoto
payload with create_element/add_xml_child, lets EWSService wrap it in the SOAP
envelope, negotiate the API version, send it through the protocol's session pool
(post_ratelimited) and raise SOAP faults as exchangelib exceptions.

Differences from the batched services, and the hooks overridden for them:
  * the response is flat (m:GetUserPhotoResponse is itself the response message,
    no m:ResponseMessages); EWSService._get_soap_messages already returns [response]
    for that case, so _get_elements_in_response yields the message itself instead of
    the children of a container element;
  * _elem_to_obj parses HasChanged / PictureData / ContentType strictly, in schema
    order, as the EWS Managed API does (spec section 2.2);
  * _extra_headers adds If-None-Match (the only way to ask "has it changed?");
  * _get_response keeps the HTTP status and headers (ETag, Expires) and turns HTTP
    404 -- which exchangelib's retry policy reports as MalformedResponseError
    "Unknown failure in response. Code: 404 ..." -- into the "photo or user not
    found" outcome, as the EWS Managed API does (spec section 2.3).
"""
import base64
import struct
from dataclasses import dataclass, field
from typing import Optional

from exchangelib.errors import MalformedResponseError
from requests.structures import CaseInsensitiveDict
from exchangelib.services.common import EWSService
from exchangelib.util import MNS, add_xml_child, create_element, xml_to_str
from exchangelib.version import EXCHANGE_2013

SIZES = ("HR48x48", "HR64x64", "HR96x96", "HR120x120", "HR240x240",
         "HR360x360", "HR432x432", "HR504x504", "HR648x648")

PHOTO_RETURNED = "PhotoReturned"
PHOTO_UNCHANGED = "PhotoUnchanged"
PHOTO_OR_USER_NOT_FOUND = "PhotoOrUserNotFound"

_NOT_FOUND_PREFIX = "Unknown failure in response. Code: 404 "


def size_pixels(size):
    """'HR240x240' -> 240."""
    return int(size[2:].split("x")[0])


@dataclass
class UserPhoto:
    status: str                      # PHOTO_RETURNED / PHOTO_UNCHANGED / PHOTO_OR_USER_NOT_FOUND
    http_status: int
    has_changed: Optional[bool] = None
    data: bytes = b""
    content_type: Optional[str] = None
    headers: CaseInsensitiveDict = field(default_factory=CaseInsensitiveDict)
    picture_data_present: bool = False   # the m:PictureData element was there (possibly empty)

    @property
    def etag(self):
        """Entity tag with the quotes stripped, as the EWS Managed API keeps it."""
        v = self.headers.get("ETag")
        return v.replace('"', "") if v is not None else None


class PhotoNotFound(MalformedResponseError):
    """HTTP 404 on GetUserPhoto: the mailbox exists but has no photo."""


class GetUserPhoto(EWSService):
    """MSDN: https://learn.microsoft.com/exchange/client-developer/web-service-reference/getuserphoto-operation"""

    SERVICE_NAME = "GetUserPhoto"
    supported_from = EXCHANGE_2013
    returns_elements = True

    def __init__(self, protocol, if_none_match=None, map_not_found=True, **kwargs):
        super().__init__(protocol=protocol, **kwargs)
        self.if_none_match = if_none_match
        self.map_not_found = map_not_found
        self.http_status = None
        self.response_headers = CaseInsensitiveDict()

    def call(self, email, size):
        """Yield exactly one UserPhoto (or raise the exchangelib exception for a fault)."""
        try:
            yield from self._elems_to_objs(self._get_elements(payload=self.get_payload(email=email, size=size)))
        except PhotoNotFound:
            if not self.map_not_found:
                raise
            yield UserPhoto(status=PHOTO_OR_USER_NOT_FOUND, http_status=404, headers=CaseInsensitiveDict(self.response_headers))

    def get_payload(self, email, size):
        payload = create_element(f"m:{self.SERVICE_NAME}")
        add_xml_child(payload, "m:Email", email)
        add_xml_child(payload, "m:SizeRequested", size)
        return payload

    def _extra_headers(self):
        headers = super()._extra_headers()
        if self.if_none_match:
            # The EWS Managed API always sends the stored tag in double quotes.
            headers["If-None-Match"] = '"%s"' % self.if_none_match.replace('"', "")
        return headers

    def _get_response(self, payload, api_version):
        try:
            r = super()._get_response(payload=payload, api_version=api_version)
        except MalformedResponseError as e:
            if str(e).startswith(_NOT_FOUND_PREFIX):
                self.http_status = 404
                raise PhotoNotFound(str(e)) from e
            raise
        self.http_status = r.status_code
        self.response_headers = CaseInsensitiveDict(r.headers)
        return r

    def _get_elements_in_response(self, response):
        for msg in response:
            # name=None: the response message itself is the container. Raises for Error messages.
            container_or_exc = self._get_element_container(message=msg, name=None)
            if isinstance(container_or_exc, (bool, Exception)):
                yield container_or_exc
            else:
                yield msg

    def _elem_to_obj(self, elem):
        # Schema order after the ResponseMessageType prefix: HasChanged (required), PictureData?, ContentType?
        payload = [c for c in elem if c.tag not in {f"{{{MNS}}}{n}" for n in
                                                   ("MessageText", "ResponseCode", "DescriptiveLinkKey", "MessageXml")}]
        names = [c.tag for c in payload]
        expected = [f"{{{MNS}}}{n}" for n in ("HasChanged", "PictureData", "ContentType")]
        if not names or names[0] != expected[0] or names != expected[:len(names)]:
            raise MalformedResponseError(f"GetUserPhotoResponse children out of schema order: {xml_to_str(elem)}")
        has_changed_text = (payload[0].text or "").strip()
        if has_changed_text not in ("true", "false", "1", "0"):
            raise MalformedResponseError(f"Bad HasChanged value {has_changed_text!r}")
        has_changed = has_changed_text in ("true", "1")
        data = b""
        if len(payload) > 1 and payload[1].text:
            data = base64.b64decode(payload[1].text, validate=True)
        content_type = payload[2].text if len(payload) > 2 else None
        if not has_changed:
            status = PHOTO_UNCHANGED
        elif not data:
            status = PHOTO_OR_USER_NOT_FOUND
        else:
            status = PHOTO_RETURNED
        return UserPhoto(status=status, http_status=self.http_status, has_changed=has_changed, data=data,
                         content_type=content_type, headers=CaseInsensitiveDict(self.response_headers),
                         picture_data_present=len(payload) > 1)


def jpeg_dimensions(data):
    """(width, height) from the first SOFn segment of a baseline/progressive JPEG.

    Raises ValueError if the bytes are not a JPEG (no SOI, no SOF, truncated, no EOI)."""
    if data[:2] != b"\xff\xd8":
        raise ValueError("no SOI marker")
    if data[-2:] != b"\xff\xd9":
        raise ValueError("no EOI marker at the end")
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            raise ValueError(f"bad marker at offset {i}")
        marker = data[i + 1]
        if marker == 0xFF:          # fill byte
            i += 1
            continue
        if marker in (0x01,) or 0xD0 <= marker <= 0xD7:
            i += 2
            continue
        (seglen,) = struct.unpack(">H", data[i + 2:i + 4])
        if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF):
            height, width = struct.unpack(">HH", data[i + 5:i + 9])
            return width, height
        if marker == 0xDA:
            break
        i += 2 + seglen
    raise ValueError("no SOF segment before the scan")
