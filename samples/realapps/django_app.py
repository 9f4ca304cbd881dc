#!/usr/bin/env python3
"""A Django application serving requests from four threads for SECONDS
(default 8): a threading WSGI server (wsgiref + ThreadingMixIn) runs the
app; four client threads request a template page and a JSON view in a
loop. Run by tests/integration/realapps.sh under samples/realapp_oracle.py."""
import sys
import threading
import time
import types
import urllib.request
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import django
from django.conf import settings


def configure():
    urls = types.ModuleType("refheap_realapp_urls")
    sys.modules[urls.__name__] = urls
    settings.configure(
        DEBUG=False, ALLOWED_HOSTS=["*"], ROOT_URLCONF=urls.__name__,
        SECRET_KEY="refheap-realapp-" + "x" * 40, USE_TZ=True,
        INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth"],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
        MIDDLEWARE=["django.middleware.common.CommonMiddleware"],
        TEMPLATES=[{"BACKEND": "django.template.backends.django.DjangoTemplates",
                    "DIRS": [], "APP_DIRS": False}],
    )
    django.setup()
    from django.http import HttpResponse, JsonResponse
    from django.template import engines
    from django.urls import path

    page = engines["django"].from_string(
        "<ul>{% for i in items %}<li>{{ i|upper }} {{ forloop.counter }}</li>{% endfor %}</ul>")

    def index(request):
        return HttpResponse(page.render({"items": ["item%d" % i for i in range(60)]}, request))

    def api(request, n):
        return JsonResponse({"n": n, "squares": [i * i for i in range(n)]})

    urls.urlpatterns = [path("", index), path("api/<int:n>", api)]


class Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


def main(argv):
    seconds = float(argv[0]) if argv else 8.0
    configure()
    from django.core.wsgi import get_wsgi_application
    srv = make_server("127.0.0.1", 0, get_wsgi_application(),
                      server_class=Server, handler_class=QuietHandler)
    port = srv.server_address[1]
    threading.Thread(target=srv.serve_forever, name="wsgi", daemon=True).start()
    end = time.monotonic() + seconds
    served = [0] * 4

    def client(k):
        url = "http://127.0.0.1:%d/%s" % (port, "api/%d" % (10 + k) if k % 2 else "")
        while time.monotonic() < end:
            with urllib.request.urlopen(url, timeout=10) as r:
                r.read()
            served[k] += 1

    threads = [threading.Thread(target=client, args=(k,), name="client%d" % k)
               for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    srv.shutdown()
    print("served %d requests" % sum(served))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
