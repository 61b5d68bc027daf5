"""Elasticsearch 8: index names, Chinese queries and TLS, as the real client sends them.

No Elasticsearch server can be installed here (not in Debian's or PyPI's
packages; no container engine). So the settings are read from the environment
by the settings module itself, the official ``elasticsearch`` client connects
over TLS to a listener that presents a certificate from a CA made by the test
and requires the API key (as a secured Elasticsearch 8 does), and what the
client sends — the index in the path, the query body — is checked against
Elasticsearch's documented rules. The same checks run against a real cluster
in ``tests/cms/search/test_search.py`` and ``tests/cms/search/test_search_zh.py`` when
``ELASTICSEARCH_URL`` is set.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import os
import ssl
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.test import override_settings

API_KEY = "VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw=="
ES_ROOT = {
    "name": "node-1",
    "cluster_name": "kepu",
    "version": {"number": "8.19.0", "build_flavor": "default", "lucene_version": "9.12.0"},
    "tagline": "You Know, for Search",
}


def _certificate(subject: str, key, issuer_name, issuer_key, *, ca: bool) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if not ca:
        address = x509.IPAddress(ipaddress.ip_address("127.0.0.1"))
        builder = builder.add_extension(x509.SubjectAlternativeName([address]), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


@pytest.fixture(scope="module")
def tls_cluster(tmp_path_factory):
    """A TLS listener with a private CA (like Elasticsearch 8's http_ca.crt) that requires the API key."""
    folder = tmp_path_factory.mktemp("es-tls")
    ca_key, server_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Elasticsearch security auto-configuration HTTP CA")])
    ca = _certificate("Elasticsearch security auto-configuration HTTP CA", ca_key, ca_name, ca_key, ca=True)
    server = _certificate("node-1", server_key, ca_name, ca_key, ca=False)
    (folder / "http_ca.crt").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (folder / "node.pem").write_bytes(
        server.public_bytes(serialization.Encoding.PEM)
        + server_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _answer(self, status: int, document: dict) -> None:
            body = json.dumps(document).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/vnd.elasticsearch+json;compatible-with=8")
            self.send_header("X-Elastic-Product", "Elasticsearch")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {name.lower(): value for name, value in self.headers.items()}
            received.append(
                {
                    "method": self.command,
                    "path": self.path,
                    "headers": headers,
                    "body": json.loads(body) if body else None,
                }
            )
            if self.headers.get("Authorization") != f"ApiKey {API_KEY}":
                self._answer(
                    401, {"error": {"type": "security_exception", "reason": "missing authentication"}, "status": 401}
                )
            elif self.command == "GET" and self.path == "/":
                self._answer(200, ES_ROOT)
            elif self.command == "POST" and self.path.split("?")[0].endswith("/_search"):
                self._answer(
                    200,
                    {
                        "took": 1,
                        "timed_out": False,
                        "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0},
                        "hits": {"total": {"value": 0, "relation": "eq"}, "max_score": None, "hits": []},
                    },
                )
            else:
                self._answer(
                    404, {"error": {"type": "index_not_found_exception", "reason": "no such index"}, "status": 404}
                )

        do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = _handle  # noqa: N815

        def log_message(self, *args) -> None:
            return

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(folder / "node.pem")
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield {
        "url": f"https://127.0.0.1:{httpd.server_address[1]}",
        "ca": str(folder / "http_ca.crt"),
        "received": received,
    }
    httpd.shutdown()
    httpd.server_close()


def backends_from_environment(**environment: str) -> dict:
    """WAGTAILSEARCH_BACKENDS as the settings module builds it from these environment variables."""
    script = (
        "import json, django; django.setup(); from django.conf import settings; "
        "print(json.dumps(settings.WAGTAILSEARCH_BACKENDS))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "kepu.settings.dev", **environment},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def backend_for(backends: dict):
    from modelsearch.backends import get_search_backend

    with override_settings(WAGTAILSEARCH_BACKENDS=backends):
        return get_search_backend("default")


@pytest.fixture(scope="module")
def configured(tls_cluster):
    return backends_from_environment(
        ELASTICSEARCH_URL=tls_cluster["url"],
        ELASTICSEARCH_INDEX="kepu-staging",
        ELASTICSEARCH_CA_CERTS=tls_cluster["ca"],
        ELASTICSEARCH_API_KEY=API_KEY,
    )


def test_the_index_prefix_comes_from_elasticsearch_index(configured):
    from wagtail.models import Page

    from cms.encyclopedia.models import EncyclopediaEntry
    from cms.illustrations.models import Illustration

    assert configured["default"]["INDEX_PREFIX"] == "kepu-staging_"
    backend = backend_for(configured)
    # Wagtail 8 names an index INDEX_PREFIX + the root model's app_model; every page type shares the page index.
    assert backend.get_index_for_model(Page).name == "kepu-staging_wagtailcore_page"
    assert backend.get_index_for_model(EncyclopediaEntry).name == "kepu-staging_wagtailcore_page"
    assert backend.get_index_for_model(Illustration).name == "kepu-staging_illustrations_illustration"
    assert backends_from_environment(ELASTICSEARCH_URL="http://127.0.0.1:9")["default"]["INDEX_PREFIX"] == "kepu_"


def test_an_index_name_elasticsearch_would_refuse_stops_the_settings():
    script = "import django; django.setup()"
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "kepu.settings.dev",
            "ELASTICSEARCH_URL": "http://127.0.0.1:9",
            "ELASTICSEARCH_INDEX": "Kepu Prod",
        },
    )
    assert done.returncode != 0 and "ELASTICSEARCH_INDEX must be lower-case" in done.stderr


@pytest.mark.django_db
def test_the_client_verifies_the_clusters_ca_and_sends_the_api_key(configured, tls_cluster):
    from cms.encyclopedia.models import EncyclopediaEntry

    backend = backend_for(configured)
    assert backend.es.info()["version"]["number"] == "8.19.0"
    list(backend.search("高血压 病人", EncyclopediaEntry))
    search = tls_cluster["received"][-1]
    assert search["method"] == "POST" and search["path"].startswith("/kepu-staging_wagtailcore_page/_search")
    assert search["headers"]["authorization"] == f"ApiKey {API_KEY}"

    # Without the CA file the same cluster is refused: certificates are checked.
    from elasticsearch import ConnectionError as TransportConnectionError

    without_ca = json.loads(json.dumps(configured))
    del without_ca["default"]["OPTIONS"]["ca_certs"]
    with pytest.raises(TransportConnectionError):
        backend_for(without_ca).es.info()


def _match_clauses(node) -> list[tuple[str, str, str]]:
    """(field, query text, operator) of every match query in a body."""
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "match":
                for field, options in value.items():
                    options = options if isinstance(options, dict) else {"query": options}
                    found.append((field, options["query"], options.get("operator", "or")))
            elif key == "multi_match":
                found.append((",".join(value["fields"]), value["query"], value.get("operator", "or")))
            else:
                found.extend(_match_clauses(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(_match_clauses(item))
    return found


@pytest.mark.django_db
def test_every_bigram_of_a_chinese_word_is_required(configured):
    from cms.encyclopedia.models import EncyclopediaEntry

    backend = backend_for(configured)
    body = backend.search("血压", EncyclopediaEntry).query_compiler.get_query()
    words = [clause for clause in _match_clauses(body) if clause[1] == "血压"]
    assert words and all(operator == "and" for _field, _text, operator in words)

    # Two words: each needs all its bigrams, either word may match (the query's operator between words).
    body = backend.search("高血压 病人", EncyclopediaEntry).query_compiler.get_query()
    clauses = _match_clauses(body)
    assert {text for _field, text, _operator in clauses} >= {"高血压", "病人"}
    assert all(operator == "and" for _field, text, operator in clauses if text in ("高血压", "病人"))
    assert "高血压 病人" not in {text for _field, text, _operator in clauses}  # never one OR over all bigrams

    # English keeps Wagtail's query: any word may match ("Gouty arthritis" finds Gout).
    english = _match_clauses(backend.search("Gouty arthritis", EncyclopediaEntry).query_compiler.get_query())
    assert "Gouty arthritis" in {text for _field, text, _operator in english} and all(
        operator == "or" for _field, text, operator in english if text == "Gouty arthritis"
    )


def test_the_index_analyses_bigrams_and_unigrams_and_queries_bigrams_only(configured):
    analysis = backend_for(configured).settings["settings"]["analysis"]
    index, query = analysis["analyzer"]["default"], analysis["analyzer"]["default_search"]
    # Elasticsearch's cjk_bigram filter takes only ignored_scripts and output_unigrams.
    for name in ("kepu_cjk_bigram", "kepu_cjk_bigram_query"):
        assert set(analysis["filter"][name]) <= {"type", "ignored_scripts", "output_unigrams"}
        assert analysis["filter"][name]["type"] == "cjk_bigram"
    assert analysis["filter"]["kepu_cjk_bigram"]["output_unigrams"] is True
    assert analysis["filter"]["kepu_cjk_bigram_query"]["output_unigrams"] is False
    assert "kepu_cjk_bigram" in index["filter"] and "kepu_cjk_bigram_query" in query["filter"]
    # Every filter an analyzer names is a built-in one or defined in the index settings, in an order
    # Elasticsearch accepts: width and case folded before pairing, stemming last.
    built_in = {"cjk_width", "lowercase", "asciifolding"}
    for analyzer in (index, query):
        assert analyzer["type"] == "custom" and analyzer["tokenizer"] == "standard"
        assert set(analyzer["filter"]) <= built_in | set(analysis["filter"])
        assert analyzer["filter"][:2] == ["cjk_width", "lowercase"] and analyzer["filter"][-1] == "kepu_english_stemmer"
    assert analysis["filter"]["kepu_english_stemmer"] == {"type": "stemmer", "language": "light_english"}


@pytest.mark.django_db
@pytest.mark.skipif(
    not os.environ.get("ELASTICSEARCH_URL"), reason="ELASTICSEARCH_URL is not set: no Elasticsearch server here"
)
def test_a_real_cluster_keeps_deployments_apart_and_needs_every_bigram(tmp_path):
    """Against a real Elasticsearch 8 (see README): the prefixed index, and 血压 not matching a text with only 血."""
    from django.core.files.images import ImageFile
    from django.core.management import call_command

    from cms.illustrations.models import Illustration
    from tests.cms.illustrations.uploads import png_bytes

    prefix = f"kepu-test-{os.getpid()}_"
    environment = {"ELASTICSEARCH_URL": os.environ["ELASTICSEARCH_URL"], "ELASTICSEARCH_INDEX": prefix}
    environment.update(
        {
            name: os.environ[name]
            for name in (
                "ELASTICSEARCH_CA_CERTS",
                "ELASTICSEARCH_API_KEY",
                "ELASTICSEARCH_USERNAME",
                "ELASTICSEARCH_PASSWORD",
                "ELASTICSEARCH_VERIFY_CERTS",
            )
            if name in os.environ
        }
    )
    backends = backends_from_environment(**environment)
    with override_settings(WAGTAILSEARCH_BACKENDS=backends):
        backend = backend_for(backends)
        for title in ("贫血的饮食", "在家测血压", "血糖和压力"):
            (tmp_path / "p.png").write_bytes(png_bytes())
            with open(tmp_path / "p.png", "rb") as handle:
                Illustration.objects.create(title=title, licence="own work", file=ImageFile(handle, name="p.png"))
        call_command("update_index", stdout=StringIO())
        try:
            index = backend.get_index_for_model(Illustration)
            assert index.name == f"{prefix}illustrations_illustration"
            assert backend.es.indices.exists_alias(name=index.name) or backend.es.indices.exists(index=index.name)
            index.refresh()

            def titles(query: str) -> set[str]:
                return {picture.title for picture in backend.search(query, Illustration)}

            assert titles("血压") == {"在家测血压"}  # not 贫血 (only 血), not 血糖和压力 (血 and 压 apart)
            assert titles("血") == {"贫血的饮食", "在家测血压", "血糖和压力"}  # one character still finds them all
        finally:
            backend.es.indices.delete(index=f"{prefix}*", ignore_unavailable=True, allow_no_indices=True)
