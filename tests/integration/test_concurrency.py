"""16 threads x 50 requests, REST and SOAP mixed, each thread on its own
keep-alive connection (some over HTTPS); every answer must be exact."""

import random
import threading

from ews_it import SIZES, assert_rest_photo, assert_unchanged, etag_of, soap_picture

THREADS = 16
REQUESTS = 50
ALIASES = ["large", "small", "mid", "thumb", "wide", "both", "deleted", "nophoto"]


def test_parallel_keepalive_clients(env):
    # reference answers, fetched one at a time
    ref_client = env.client("plain0")
    ref = {}
    for alias in ALIASES:
        for size in SIZES:
            r = ref_client.rest_photo(env.u(alias).email, size)
            ref[(alias, size)] = (r.body, etag_of(r)) if r.status == 200 else None
    ref_client.close()

    errors = []
    done = [0] * THREADS

    def worker(n):
        rnd = random.Random(n)
        tls = n % 4 == 0
        client = env.client(f"spare{n % 8}" if n % 2 else "plain0", tls=tls)
        try:
            for i in range(REQUESTS):
                alias, size = rnd.choice(ALIASES), rnd.choice(SIZES)
                want = ref[(alias, size)]
                email = env.u(alias).email
                kind = rnd.choice(["rest", "soap", "rest-inm", "soap-inm"]) if want else rnd.choice(["rest", "soap"])
                if kind == "rest":
                    r = client.rest_photo(email, size)
                    if want is None:
                        assert r.status == 404, (alias, size, r.status)
                    else:
                        assert assert_rest_photo(r) == want[0] and etag_of(r) == want[1], (alias, size)
                elif kind == "rest-inm":
                    r = client.rest_photo(email, size, inm=want[1])
                    assert r.status == 304 and r.body == b"" and r.header("ETag") == want[1], (alias, size, r.status)
                elif kind == "soap":
                    s = client.get_user_photo(email, size)
                    if want is None:
                        assert s.status == 404, (alias, size, s.status)
                    else:
                        assert soap_picture(s) == want[0] and etag_of(s) == want[1], (alias, size)
                else:
                    assert_unchanged(client.get_user_photo(email, size, inm=want[1]))
                done[n] += 1
            # a thread starved for IDLE_RECONNECT seconds (a loaded machine: every SOAP answer is
            # schema-checked by a subprocess in the thread) closes its connection itself; only a
            # connection the server dropped counts against keep-alive
            server_drops = client.connects - 1 - client.idle_closes
            assert server_drops == 0, f"thread {n}: {client.connects} connections, {client.idle_closes} closed idle " \
                                      f"by the client: the server dropped keep-alive"
        except Exception as e:   # collected and reported by the main thread
            errors.append(f"thread {n} request {done[n]}: {type(e).__name__}: {e}")
        finally:
            client.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not any(t.is_alive() for t in threads), "worker threads hung"
    assert not errors, "\n".join(errors[:10])
    assert sum(done) == THREADS * REQUESTS
