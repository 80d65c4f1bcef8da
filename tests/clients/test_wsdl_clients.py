"""Generic SOAP toolkits that load the service description from the server (issue 13 items 1, 6):
python3-zeep (strict) and python3-suds, Basic auth, GetUserPhoto and ResolveNames over HTTP and
HTTPS.  Before the service description was served both failed while loading the WSDL (404)."""
import base64
import io
import ssl

import pytest
import requests
import urllib3
from PIL import Image

NS_T = "http://schemas.microsoft.com/exchange/services/2006/types"

zeep = pytest.importorskip("zeep", reason="python3-zeep (scripts/install-deps)")
suds_client = pytest.importorskip("suds.client", reason="python3-suds (scripts/install-deps)")
from suds.plugin import MessagePlugin  # noqa: E402
import suds.transport.https  # noqa: E402
from zeep.transports import Transport  # noqa: E402


@pytest.fixture(scope="module")
def server(server_2016):
    """These calls check m:ContentType and the 15.1 build: the 2016 profile, whose schema
    declares ContentType (the default 2019 profile's answers are checked against its own
    served schema in tests/integration/test_svcdesc.py)."""
    return server_2016

urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)   # the server's self-signed certificate


def wsdl_url(server, scheme):
    return f"{server.base(scheme)}/EWS/Services.wsdl"


def jpeg_size(data):
    img = Image.open(io.BytesIO(data))
    assert img.format == "JPEG"
    return img.size


# ---- zeep -------------------------------------------------------------------------------

def zeep_client(server, scheme, user):
    s = requests.Session()
    s.auth = (user, server.password)
    s.verify = False
    s.trust_env = False   # a CA bundle from the environment would override verify=False
    return zeep.Client(wsdl_url(server, scheme), transport=Transport(session=s),
                       settings=zeep.Settings(strict=True))


def zeep_version(client):
    return client.get_element(f"{{{NS_T}}}RequestServerVersion")(Version="Exchange2016")


def test_zeep_get_user_photo(server, scheme):
    c = zeep_client(server, scheme, server.photo_user)
    # the served wsdl:service is the default service, at the URL the client used
    assert c.service._binding_options["address"] == server.ews(scheme)
    r = c.service.GetUserPhoto(Email=server.photo_user, SizeRequested="HR96x96", _soapheaders=[zeep_version(c)])
    assert r.header.ServerVersion.MajorVersion == 15 and r.header.ServerVersion.MinorVersion == 1   # --exchange-version 2016
    b = r.body
    assert b.ResponseClass == "Success" and b.ResponseCode == "NoError" and b.HasChanged is True
    assert jpeg_size(b.PictureData) == (96, 96)
    assert b.ContentType == "image/jpeg"
    # no photo: HTTP 404 as Exchange answers it (spec ews-subset §2.3); zeep reports it as a fault
    with pytest.raises(zeep.exceptions.Fault):
        c.service.GetUserPhoto(Email=server.nophoto_user, SizeRequested="HR96x96", _soapheaders=[zeep_version(c)])


def test_zeep_resolve_names(server, scheme):
    c = zeep_client(server, scheme, server.photo_user)
    r = c.service.ResolveNames(UnresolvedEntry=server.photo_user, ReturnFullContactData=True,
                               _soapheaders=[zeep_version(c)])
    # m:ResponseMessages is an xs:choice: zeep lists its elements in _value_1
    m = r.body.ResponseMessages._value_1[0]["ResolveNamesResponseMessage"]
    assert m.ResponseClass == "Success" and m.ResponseCode == "NoError", m
    res = m.ResolutionSet.Resolution
    assert len(res) == 1 and res[0].Mailbox.EmailAddress.lower() == server.photo_user.lower()
    assert res[0].Contact.DisplayName


def test_zeep_wrong_password_is_refused(server):
    s = requests.Session()
    s.auth = (server.photo_user, "wrong")
    with pytest.raises(requests.HTTPError) as e:
        zeep.Client(wsdl_url(server, "http"), transport=Transport(session=s))
    assert e.value.response.status_code == 401


# ---- suds -------------------------------------------------------------------------------

class _FullContactData(MessagePlugin):
    """ReturnFullContactData is an attribute of m:ResolveNames; suds' call arguments are elements."""
    def marshalled(self, context):
        op = context.envelope.getChild("Body")[0]
        if op.name == "ResolveNames":
            op.set("ReturnFullContactData", "true")


def suds_client_for(server, scheme, user):
    if scheme == "https":
        import urllib.request
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE

        class T(suds.transport.https.HttpAuthenticated):
            def u2handlers(self):
                return [*super().u2handlers(), urllib.request.HTTPSHandler(context=ctx)]
        t = T(username=user, password=server.password)
    else:
        t = suds.transport.https.HttpAuthenticated(username=user, password=server.password)
    c = suds_client.Client(wsdl_url(server, scheme), transport=t, plugins=[_FullContactData()], cache=None)
    hdr = c.factory.create(f"{{{NS_T}}}RequestServerVersion")
    hdr._Version = "Exchange2016"
    c.set_options(soapheaders=hdr)
    return c


def one(x):
    return x[0] if isinstance(x, list) else x


def test_suds_get_user_photo(server, scheme):
    c = suds_client_for(server, scheme, server.photo_user)
    assert c.wsdl.services[0].ports[0].location == server.ews(scheme)
    r = c.service.GetUserPhoto(Email=server.photo_user, SizeRequested="HR240x240")
    assert r.ResponseCode == "NoError" and r.HasChanged is True
    assert jpeg_size(base64.b64decode(r.PictureData)) == (240, 240)
    assert r.ContentType == "image/jpeg"


def test_suds_resolve_names(server, scheme):
    c = suds_client_for(server, scheme, server.photo_user)
    r = c.service.ResolveNames(UnresolvedEntry=server.photo_user)
    m = one(r.ResolveNamesResponseMessage)
    assert m._ResponseClass == "Success" and m.ResponseCode == "NoError", m
    res = one(m.ResolutionSet.Resolution)
    assert res.Mailbox.EmailAddress.lower() == server.photo_user.lower()
