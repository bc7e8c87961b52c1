"""Cruddur's configuration: every environment variable the backend reads, read here once."""
import os
import secrets
from pathlib import Path

# (name, default, meaning) — the README's configuration table mirrors this list,
# and the compose tests check that every entry is documented and wired.
ENV_VARS = (
    ("PORT", "4567", "backend port"),
    ("FRONTEND_URL", "http://localhost:3000", "CORS origin of the UI; used in links"),
    ("BACKEND_URL", "http://localhost:4567", "public URL of this API"),
    ("DATABASE_URL", "sqlite:///~/.local/share/cruddur/cruddur.sqlite3", "SQLAlchemy URL"),
    ("SECRET_KEY", "random per-install dev key", "signs access tokens; required outside development"),
    ("CRUDDUR_ENV", "development", "development or production"),
    ("GUNICORN_WORKERS", "2", "gunicorn worker processes"),
    ("OTEL_SERVICE_NAME", "backend-flask", "OpenTelemetry service.name"),
    ("OTEL_EXPORTER_OTLP_ENDPOINT", "", "OTLP/HTTP base URL; traces export when set"),
    ("OTEL_EXPORTER_OTLP_HEADERS", "", "OTLP headers, e.g. x-honeycomb-team=KEY"),
    ("OTEL_TRACES_EXPORTER", "", "otlp or console; otlp implied by an endpoint"),
    ("OTEL_SDK_DISABLED", "false", "turns OpenTelemetry off"),
    ("AWS_XRAY_SDK_ENABLED", "false", "turns X-Ray segments on"),
    ("AWS_XRAY_DAEMON_ADDRESS", "127.0.0.1:2000", "X-Ray daemon UDP address"),
    ("AWS_XRAY_CONTEXT_MISSING", "IGNORE_ERROR", "what X-Ray does outside a request"),
    ("AWS_XRAY_URL", "", "X-Ray dynamic naming pattern"),
    ("AWS_DEFAULT_REGION", "", "AWS region"),
    ("AWS_ACCESS_KEY_ID", "", "AWS credentials"),
    ("AWS_SECRET_ACCESS_KEY", "", "AWS credentials"),
    ("AWS_ENDPOINT_URL", "", "AWS endpoint override, e.g. an emulator"),
    ("CLOUDWATCH_LOG_GROUP", "", "CloudWatch Logs group; logs ship when set"),
    ("ROLLBAR_ACCESS_TOKEN", "", "Rollbar server token; errors report when set"),
    ("ROLLBAR_ENVIRONMENT", "development", "Rollbar environment"),
    ("ROLLBAR_ENDPOINT", "https://api.rollbar.com/api/1/", "Rollbar API base"),
    ("CRUDDUR_FAULTS", "", "fault injection: <service>:error or <service>:delay=<ms>"),
    ("CRUDDUR_VERSION", "git commit, else dev", "code version reported to Rollbar"),
    ("CRUDDUR_BENCH_COURSE_WIRING", "", "benchmark only: 1 adds the course's console spans and ERROR lines"),
    ("AWS_COGNITO_USER_POOL_ID", "", "Cognito user pool, e.g. us-east-1_AbC123; with the client id, "
                                     "protected routes also accept its access tokens"),
    ("AWS_COGNITO_USER_POOL_CLIENT_ID", "", "the app client id Cognito access tokens must carry"),
    ("AWS_COGNITO_JWKS_URL", "", "overrides the pool's JWKS URL (tests, emulators)"),
    ("CRUDDUR_SIGNIN_LIMIT_PER_ACCOUNT", "10/minute", "failed sign-ins allowed per login from one client address"),
    ("CRUDDUR_SIGNIN_LIMIT_PER_ADDRESS", "50/minute", "failed sign-ins allowed per client address"),
    ("CRUDDUR_SIGNUP_LIMIT_PER_ADDRESS", "5/minute;50/day", "sign-up attempts allowed per client address"),
    ("CRUDDUR_WRITE_LIMIT_PER_USER", "30/minute;500/hour", "posts, replies and messages allowed per user"),
    ("RATELIMIT_STORAGE_URI", "memory://", "where the limit counters live; redis://host:6379/0 shares "
                                           "them across workers and replicas"),
    ("CRUDDUR_PROXY_HOPS", "0", "trusted reverse proxies in front of gunicorn; 0 ignores X-Forwarded-For"),
)


SECRET_KEY_MIN_BYTES = 32  # HS256 tokens and signed cursors; RFC 7518 asks for a key as long as the hash


class ConfigError(SystemExit):
    """A setting Cruddur cannot start with. A SystemExit with a message: `flask` and gunicorn
    print the one line and stop (exit status 1), with no traceback to read through."""

    def __init__(self, message):
        super().__init__(f"cruddur: configuration error: {message}")


def _default_database_url():
    data_dir = Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / "cruddur"
    data_dir.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{data_dir / 'cruddur.sqlite3'}"


def _dev_secret_key():
    """A random key created once per install, so local tokens survive restarts."""
    path = Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / "cruddur" / "secret_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


class Config:
    """Read from the environment when the app is built; tests pass overrides to create_app."""

    def __init__(self, env=None):
        env = os.environ if env is None else env
        self.ENV = env.get("CRUDDUR_ENV", "development")
        self.PORT = int(env.get("PORT", "4567"))
        self.FRONTEND_URL = env.get("FRONTEND_URL", "http://localhost:3000")
        self.BACKEND_URL = env.get("BACKEND_URL", "http://localhost:4567")
        self.SQLALCHEMY_DATABASE_URI = env.get("DATABASE_URL") or _default_database_url()
        self.SECRET_KEY = env.get("SECRET_KEY") or self._secret_for(self.ENV)
        if self.ENV == "production" and len(self.SECRET_KEY.encode()) < SECRET_KEY_MIN_BYTES:
            raise ConfigError(f"SECRET_KEY is {len(self.SECRET_KEY.encode())} bytes; CRUDDUR_ENV=production "
                              f"needs at least {SECRET_KEY_MIN_BYTES} (e.g. python -c 'import secrets; "
                              f"print(secrets.token_urlsafe(48))')")
        self.MAX_CONTENT_LENGTH = 64 * 1024
        self.ACCESS_TOKEN_TTL_SECONDS = 24 * 3600
        self.PAGE_LIMIT_DEFAULT = 20
        self.PAGE_LIMIT_MAX = 100
        self.FAULTS = env.get("CRUDDUR_FAULTS", "")
        self.BENCH_COURSE_WIRING = env.get("CRUDDUR_BENCH_COURSE_WIRING") == "1"
        self.COGNITO_USER_POOL_ID = env.get("AWS_COGNITO_USER_POOL_ID", "")
        self.COGNITO_CLIENT_ID = env.get("AWS_COGNITO_USER_POOL_CLIENT_ID", "")
        self.COGNITO_JWKS_URL = env.get("AWS_COGNITO_JWKS_URL", "")
        self.SIGNIN_LIMIT_PER_ACCOUNT = env.get("CRUDDUR_SIGNIN_LIMIT_PER_ACCOUNT") or "10/minute"
        self.SIGNIN_LIMIT_PER_ADDRESS = env.get("CRUDDUR_SIGNIN_LIMIT_PER_ADDRESS") or "50/minute"
        self.SIGNUP_LIMIT_PER_ADDRESS = env.get("CRUDDUR_SIGNUP_LIMIT_PER_ADDRESS") or "5/minute;50/day"
        self.WRITE_LIMIT_PER_USER = env.get("CRUDDUR_WRITE_LIMIT_PER_USER") or "30/minute;500/hour"
        self.RATELIMIT_STORAGE_URI = env.get("RATELIMIT_STORAGE_URI") or "memory://"
        self.PROXY_HOPS = self._hops(env.get("CRUDDUR_PROXY_HOPS") or "0")

    @staticmethod
    def _hops(value):
        if not value.isdigit() or int(value) > 10:
            raise RuntimeError(f"CRUDDUR_PROXY_HOPS must be a whole number from 0 to 10, not {value!r}")
        return int(value)

    @staticmethod
    def _secret_for(environment):
        if environment != "development":
            raise ConfigError("SECRET_KEY must be set when CRUDDUR_ENV is not development")
        return _dev_secret_key()

    def as_mapping(self):
        return {k: v for k, v in vars(self).items() if k.isupper()}
