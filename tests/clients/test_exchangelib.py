"""ewsemu as seen by exchangelib (Debian python3-exchangelib), over HTTP and HTTPS.

GetUserPhoto is not part of exchangelib; ewsphoto.GetUserPhoto adds it on exchangelib's
own EWSService plumbing (envelope, version negotiation, session pool, fault parsing).
"""
import io

import exchangelib.util
import pytest
import urllib3
from exchangelib import BASIC, Configuration, Credentials, Version
from exchangelib import FaultTolerance
from exchangelib.errors import (
    ErrorNonExistentMailbox,
    ErrorSchemaValidation,
    MalformedResponseError,
    RateLimitError,
    UnauthorizedError,
)
from exchangelib.protocol import BaseProtocol, NoVerifyHTTPAdapter, Protocol, close_connections
from exchangelib.version import EXCHANGE_2013
from PIL import Image

from ewsphoto import (
    PHOTO_OR_USER_NOT_FOUND,
    PHOTO_RETURNED,
    PHOTO_UNCHANGED,
    SIZES,
    GetUserPhoto,
    jpeg_dimensions,
    size_pixels,
)

# Every RequestServerVersion value a server may send back in ServerVersionInfo@Version (spec 1.2).
KNOWN_API_VERSIONS = {
    "Exchange2007", "Exchange2007_SP1", "Exchange2010", "Exchange2010_SP1", "Exchange2010_SP2",
    "Exchange2013", "Exchange2013_SP1", "Exchange2016", "Exchange2019",
}


@pytest.fixture
def make_protocol(server, monkeypatch):
    """make_protocol(scheme, guess_version=False, user=None, password=None) -> exchangelib Protocol.

    exchangelib caches Protocol objects per (endpoint, credentials); the cache is cleared
    around each test so every test negotiates its own version."""
    close_connections()

    def make(scheme, guess_version=False, user=None, password=None, retry_policy=None):
        if scheme == "https":
            # ewsemu's certificate is self-signed.
            monkeypatch.setattr(BaseProtocol, "HTTP_ADAPTER_CLS", NoVerifyHTTPAdapter)
            urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
        config = Configuration(
            service_endpoint=server.ews(scheme),
            credentials=Credentials(user or server.photo_user, password or server.password),
            auth_type=BASIC,
            version=None if guess_version else Version(build=EXCHANGE_2013),
            retry_policy=retry_policy,
        )
        return Protocol(config=config)

    yield make
    close_connections()


def check_jpeg(data, side):
    assert jpeg_dimensions(data) == (side, side)
    img = Image.open(io.BytesIO(data))
    assert img.format == "JPEG"
    img.load()                       # full decode: truncated or corrupt data raises here
    assert img.size == (side, side)


@pytest.mark.parametrize("guess", [True, False], ids=["guessed-version", "explicit-2013"])
def test_version_negotiation(make_protocol, server, scheme, guess):
    proto = make_protocol(scheme, guess_version=guess)
    if guess:
        # Protocol.version runs Version.guess(): a ConvertId probe, read back from
        # the ServerVersionInfo SOAP header.
        version = proto.version
        assert version.build is not None
        assert version.build.major_version == 15
        assert version.api_version in KNOWN_API_VERSIONS
        # The negotiated (build, API version) pair must be one exchangelib knows; str(version)
        # and version.fullname raise ValueError otherwise. The server accepts any
        # RequestServerVersion, so exchangelib keeps its first guess ("Exchange2019"); the
        # 15.2 build the server reports is the one exchangelib pairs with it.
        try:
            version.fullname
        except ValueError as e:
            pytest.fail(f"inconsistent negotiated version: build {version.build}, API {version.api_version!r} "
                        f"(the server accepted RequestServerVersion {version.api_version!r}): {e}")
    photo = GetUserPhoto(protocol=proto).get(email=server.photo_user, size="HR96x96")
    assert photo.status == PHOTO_RETURNED
    # Any response's ServerVersionInfo header updates the version exchangelib holds.
    assert proto.version.build.major_version == 15


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("guess", [True, False], ids=["guessed-version", "explicit-2013"])
def test_every_size(make_protocol, server, scheme, guess, size):
    proto = make_protocol(scheme, guess_version=guess)
    svc = GetUserPhoto(protocol=proto)
    photo = svc.get(email=server.photo_user, size=size)
    assert photo.http_status == 200
    assert photo.status == PHOTO_RETURNED
    assert photo.has_changed is True
    # the default profile (Exchange 2019, whose published messages.xsd lacks it) sends no
    # m:ContentType; --exchange-version 2016 does (test_svcdesc.py checks both)
    assert photo.content_type is None
    assert photo.headers.get("Content-Type", "").startswith("text/xml")
    check_jpeg(photo.data, size_pixels(size))
    # Spec 2.3: ETag (quoted) and Expires on a returned photo.
    assert photo.headers.get("ETag", "").startswith('"') and photo.headers["ETag"].endswith('"')
    assert photo.etag
    assert photo.headers.get("Expires")


def test_renditions_have_distinct_etags(make_protocol, server):
    proto = make_protocol("http")
    tags = {size: GetUserPhoto(protocol=proto).get(email=server.photo_user, size=size).etag for size in SIZES}
    assert len(set(tags.values())) == len(SIZES), tags


def test_if_none_match(make_protocol, server, scheme):
    proto = make_protocol(scheme)
    first = GetUserPhoto(protocol=proto).get(email=server.photo_user, size="HR240x240")
    assert first.status == PHOTO_RETURNED and first.etag

    # Same tag -> 200, HasChanged=false, empty PictureData (present: EWS Managed API reads it).
    same = GetUserPhoto(protocol=proto, if_none_match=first.etag).get(email=server.photo_user, size="HR240x240")
    assert same.http_status == 200
    assert same.status == PHOTO_UNCHANGED
    assert same.has_changed is False
    assert same.data == b""
    assert same.picture_data_present

    # A tag that is not the current one -> the photo again.
    stale = GetUserPhoto(protocol=proto, if_none_match="00000000").get(email=server.photo_user, size="HR240x240")
    assert stale.status == PHOTO_RETURNED and stale.has_changed is True
    assert stale.data == first.data and stale.etag == first.etag

    # The tag of another rendition does not match this one.
    other = GetUserPhoto(protocol=proto, if_none_match=first.etag).get(email=server.photo_user, size="HR96x96")
    assert other.status == PHOTO_RETURNED
    check_jpeg(other.data, 96)


def test_rest_get_through_exchangelib_session(make_protocol, server, scheme):
    """The REST-style URL through exchangelib's own (authenticated) requests session:
    same bytes and ETag as SOAP, and 304 for If-None-Match."""
    proto = make_protocol(scheme)
    soap = GetUserPhoto(protocol=proto).get(email=server.photo_user, size="HR120x120")
    url = server.rest_url(scheme, server.photo_user, "HR120x120")
    session = proto.get_session()
    try:
        r = session.get(url, timeout=30)
        assert r.status_code == 200
        assert r.headers["Content-Type"].startswith("image/jpeg")
        assert r.content == soap.data
        assert r.headers.get("ETag") == soap.headers.get("ETag")
        r304 = session.get(url, headers={"If-None-Match": r.headers["ETag"]}, timeout=30)
        assert r304.status_code == 304
        assert r304.content == b""
        assert r304.headers.get("ETag") == r.headers["ETag"]
    finally:
        proto.release_session(session)


@pytest.mark.parametrize("who", ["nophoto_user", "deleted_user"])
def test_user_without_photo(make_protocol, server, scheme, who):
    email = getattr(server, who)
    if not email:
        pytest.skip(f"the demo has no {who}")
    proto = make_protocol(scheme)
    svc = GetUserPhoto(protocol=proto)
    photo = svc.get(email=email, size="HR96x96")
    assert photo.status == PHOTO_OR_USER_NOT_FOUND
    assert photo.http_status == 404
    # What stock exchangelib makes of it: its fail-fast policy reports any non-200, non-SOAP-500 status.
    with pytest.raises(MalformedResponseError, match=r"Code: 404"):
        GetUserPhoto(protocol=proto, map_not_found=False).get(email=email, size="HR96x96")


def test_unknown_address(make_protocol, server, scheme):
    proto = make_protocol(scheme)
    svc = GetUserPhoto(protocol=proto)
    with pytest.raises(ErrorNonExistentMailbox):
        svc.get(email="no.such.user@nowhere.invalid", size="HR96x96")
    assert svc.http_status == 500


def test_unknown_address_with_fault_tolerant_policy(make_protocol, server, monkeypatch):
    """exchangelib's FaultTolerance policy (meant for long-running jobs) retries an HTTP 500
    that carries "Connection: close" as a transient outage; a SOAP fault must reach the
    caller instead of being retried until max_wait."""
    monkeypatch.setattr(exchangelib.util, "RETRY_WAIT", 1)   # keep a failure short
    proto = make_protocol("http", retry_policy=FaultTolerance(max_wait=2))
    svc = GetUserPhoto(protocol=proto)
    try:
        svc.get(email="no.such.user@nowhere.invalid", size="HR96x96")
    except ErrorNonExistentMailbox:
        pass
    except RateLimitError as e:
        pytest.fail(f"the fault was retried as a transient error (HTTP 500 + Connection: close?): {e}")
    else:
        pytest.fail("no ErrorNonExistentMailbox")


@pytest.mark.parametrize("api_version", ["Exchange1999", "Exchange2007_SP1", "V2017_07_11"])
def test_any_request_server_version_is_accepted(make_protocol, server, scheme, api_version):
    """The issue: any RequestServerVersion is accepted, and the answer names the server's
    own version (15.x) in t:ServerVersionInfo. Sent through exchangelib's own envelope
    builder and parsed by its response parser."""
    proto = make_protocol(scheme)
    svc = GetUserPhoto(protocol=proto)
    envelope = svc.wrap(content=svc.get_payload(email=server.photo_user, size="HR96x96"), api_version=api_version)
    session = proto.get_session()
    try:
        r = session.post(server.ews(scheme), data=envelope, timeout=30)
    finally:
        proto.release_session(session)
    assert r.status_code == 200
    header, body = svc._get_soap_parts(response=r)
    info = header.find("{http://schemas.microsoft.com/exchange/services/2006/types}ServerVersionInfo")
    assert info is not None
    assert info.get("MajorVersion") == "15"
    assert body.find("{http://schemas.microsoft.com/exchange/services/2006/messages}GetUserPhotoResponse") is not None


@pytest.mark.parametrize("size", ["HR1x1", "HR96X96", ""])
def test_size_outside_schema_is_a_fault(make_protocol, server, size):
    proto = make_protocol("http")
    svc = GetUserPhoto(protocol=proto)
    with pytest.raises(ErrorSchemaValidation):
        svc.get(email=server.photo_user, size=size)
    assert svc.http_status == 500


def test_wrong_password(make_protocol, server, scheme):
    proto = make_protocol(scheme, password="not-the-password")
    with pytest.raises(UnauthorizedError):
        GetUserPhoto(protocol=proto).get(email=server.photo_user, size="HR96x96")


def test_any_user_sees_other_users_photos(make_protocol, server):
    """A directory photo is readable by every authenticated user, not only its owner."""
    proto = make_protocol("http", user=server.nophoto_user)
    photo = GetUserPhoto(protocol=proto).get(email=server.photo_user, size="HR64x64")
    assert photo.status == PHOTO_RETURNED
    check_jpeg(photo.data, 64)

