"""The production shape on loopback: Debian's nginx with the shipped template in front of two
gunicorn replicas, one PostgreSQL and one redis-server holding the limits."""
import pytest

from testkit.edge import Nginx, Redis
from testkit.gunicorn import Gunicorn, backend_env, flask_command

ACCOUNT_LIMIT, ADDRESS_LIMIT = 5, 8


class Topology:
    def __init__(self, database_url, redis, log_dir):
        self.database_url = database_url
        self.redis = redis
        self.env = backend_env(database_url, RATELIMIT_STORAGE_URI=redis.uri, CRUDDUR_PROXY_HOPS="1",
                               CRUDDUR_SIGNIN_LIMIT_PER_ACCOUNT=f"{ACCOUNT_LIMIT}/minute",
                               CRUDDUR_SIGNIN_LIMIT_PER_ADDRESS=f"{ADDRESS_LIMIT}/minute",
                               BACKEND_URL="http://127.0.0.1")
        flask_command(self.env, "db", "upgrade")  # once, like compose's one-off migrate service
        flask_command(self.env, "seed")
        self.replicas = [Gunicorn(self.env, workers=2, log_path=log_dir / f"replica{i}.log").start()
                         for i in range(2)]
        self.nginx = Nginx([f"127.0.0.1:{r.port}" for r in self.replicas]).start()
        self.url = self.nginx.url

    def restart(self, index):
        """SIGTERM one replica and start it again on the same port; returns the stop's exit code."""
        old = self.replicas[index]
        code = old.stop(timeout=30)
        self.replicas[index] = Gunicorn(self.env, workers=2, log_path=old.log_path, port=old.port).start()
        return code

    def logs(self):
        return "".join(r.output() for r in self.replicas)

    def stop(self):
        self.nginx.stop()
        for replica in self.replicas:
            replica.stop()


@pytest.fixture(scope="package")
def redis():
    server = Redis().start()
    yield server
    server.stop()


@pytest.fixture(scope="package")
def topology(new_database_url, redis, tmp_path_factory):
    stack = Topology(new_database_url("postgresql"), redis, tmp_path_factory.mktemp("topology"))
    yield stack
    stack.stop()
