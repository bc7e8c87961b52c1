"""Cruddur's configuration: every environment variable the backend reads, read here once.

`ENV_VARS` is the one table: it gives each variable's default (written nowhere else) and its
meaning; docs/configuration.md's table is generated from it (bin/docs). `Config` reads the rows
into the keys of `app.config` (`CONFIG_KEYS` names the few keys that differ from the variable's name), so
`create_app({...})` overrides configure everything, telemetry included. The rows in
`READ_BY_LIBRARIES` are read by a library itself, never by Cruddur; the table lists them so that
they are documented and wired. Other standard variables of the OpenTelemetry SDK (such as
`OTEL_BSP_*`) and of boto3 (such as `AWS_PROFILE`) reach those libraries in the same way.

gunicorn.conf.py loads this file by its path, in the arbiter: it imports nothing from the app."""
import os
import secrets
from pathlib import Path

# (name, default, meaning): the default is used when the variable is unset or empty.
ENV_VARS = (
    ("PORT", "4567", "backend port"),
    ("FRONTEND_URL", "http://localhost:3000", "CORS origin of the UI; used in links"),
    ("BACKEND_URL", "http://localhost:4567", "public URL of this API"),
    ("DATABASE_URL", "", "SQLAlchemy URL; unset: a SQLite file, $XDG_DATA_HOME/cruddur/cruddur.sqlite3"),
    ("SECRET_KEY", "", "signs access tokens; required outside development (unset in development: a "
                       "random per-install key kept in $XDG_DATA_HOME/cruddur/secret_key)"),
    ("CRUDDUR_STATEMENT_TIMEOUT_MS", "5000", "the longest a request's database statement may run, in ms "
                                             "(then 503 database_timeout); 0: no bound"),
    ("CRUDDUR_ENV", "development", "development or production; also the spans' deployment.environment.name and "
                                   "the X-Ray segments' environment annotation"),
    ("XDG_DATA_HOME", "~/.local/share", "where the default SQLite file and development key live"),
    ("GUNICORN_WORKERS", "2", "gunicorn worker processes"),
    ("GUNICORN_CONTROL_SOCKET", "", "this instance's gunicornc control socket; unset: no control socket"),
    ("OTEL_SERVICE_NAME", "backend-flask", "OpenTelemetry service.name (also the X-Ray segment name)"),
    ("OTEL_EXPORTER_OTLP_ENDPOINT", "", "OTLP/HTTP base URL (/v1/traces is appended); traces export when set"),
    ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "", "OTLP/HTTP traces URL, used as it is; overrides the base URL"),
    ("OTEL_EXPORTER_OTLP_HEADERS", "", "OTLP headers, e.g. x-honeycomb-team=KEY"),
    ("OTEL_EXPORTER_OTLP_TIMEOUT", "3", "seconds an OTLP export (with its retries) may take"),
    ("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "", "the same for traces; overrides OTEL_EXPORTER_OTLP_TIMEOUT"),
    ("OTEL_TRACES_EXPORTER", "", "otlp, console or none; otlp implied by an endpoint"),
    ("OTEL_SDK_DISABLED", "false", "true turns OpenTelemetry off"),
    ("OTEL_TRACES_SAMPLER", "parentbased_always_on", "head sampler (read by opentelemetry-sdk)"),
    ("OTEL_TRACES_SAMPLER_ARG", "", "the sampler's argument, e.g. 0.1 (read by opentelemetry-sdk)"),
    ("OTEL_SEMCONV_STABILITY_OPT_IN", "http,database", "attribute names on HTTP and database spans: http,database "
                                                       "the stable ones only; http/dup,database/dup stable and legacy "
                                                       "both (while queries move over); none the legacy ones only"),
    ("OTEL_RESOURCE_ATTRIBUTES", "", "more resource attributes, key=value,... (read by opentelemetry-sdk); "
                                     "service.name, service.version, deployment.environment.name and "
                                     "service.instance.id are Cruddur's and win (a start-up warning names "
                                     "any replaced)"),
    ("CRUDDUR_XRAY_MODE", "sdk", "how X-Ray segments are made: sdk, by the X-Ray SDK in the backend, sent to the "
                                 "daemon (AWS_XRAY_*); otel, by the collector's awsxray exporter from the spans, "
                                 "with no X-Ray SDK loaded (docs/observability.md, \"Two ways to X-Ray\")"),
    ("AWS_XRAY_SDK_ENABLED", "", "true or false; unset: X-Ray is on when AWS_XRAY_DAEMON_ADDRESS is set "
                                 "(the sdk X-Ray mode)"),
    ("AWS_XRAY_DAEMON_ADDRESS", "", "X-Ray daemon UDP address; turns X-Ray on (127.0.0.1:2000 when only "
                                    "AWS_XRAY_SDK_ENABLED=true)"),
    ("AWS_XRAY_CONTEXT_MISSING", "IGNORE_ERROR", "what X-Ray does outside a request"),
    ("AWS_XRAY_URL", "", "X-Ray dynamic naming pattern"),
    ("AWS_DEFAULT_REGION", "", "AWS region"),
    ("AWS_ACCESS_KEY_ID", "", "AWS credentials (read by boto3)"),
    ("AWS_SECRET_ACCESS_KEY", "", "AWS credentials (read by boto3)"),
    ("AWS_SESSION_TOKEN", "", "AWS temporary credentials (read by boto3)"),
    ("AWS_ENDPOINT_URL", "", "AWS endpoint override, e.g. an emulator"),
    ("CLOUDWATCH_LOG_GROUP", "", "CloudWatch Logs group; logs ship when set"),
    ("CRUDDUR_LOCAL_AWS_URL", "", "a local AWS endpoint (moto) for CloudWatch Logs, used only while AWS_ACCESS_KEY_ID "
                                  "and AWS_ENDPOINT_URL are both unset (docker compose sets it)"),
    ("ROLLBAR_ACCESS_TOKEN", "", "Rollbar server token; errors report when set"),
    ("ROLLBAR_ENVIRONMENT", "", "Rollbar environment; unset: CRUDDUR_ENV, the spans' deployment.environment.name"),
    ("ROLLBAR_ENDPOINT", "https://api.rollbar.com/api/1/", "Rollbar API base"),
    ("CRUDDUR_LOCAL_ROLLBAR_URL", "", "a local Rollbar sink's API base, used only while ROLLBAR_ACCESS_TOKEN "
                                      "is unset (docker compose sets it)"),
    ("CRUDDUR_FAULTS", "", "fault injection: <service>:error or <service>:delay=<ms>"),
    ("CRUDDUR_VERSION", "", "code version: Rollbar's code_version, the spans' and X-Ray segments' "
                            "service.version; unset: the git commit, else dev"),
    ("AWS_COGNITO_USER_POOL_ID", "", "Cognito user pool, e.g. us-east-1_AbC123; with the client id, "
                                     "protected routes also accept its access tokens"),
    ("AWS_COGNITO_USER_POOL_CLIENT_ID", "", "the app client id Cognito access tokens must carry"),
    ("AWS_COGNITO_JWKS_URL", "", "overrides the pool's JWKS URL (tests, emulators)"),
    ("CRUDDUR_SIGNIN_LIMIT_PER_ACCOUNT", "10/minute", "failed sign-ins allowed per login from one client address"),
    ("CRUDDUR_SIGNIN_LIMIT_PER_ADDRESS", "50/minute", "failed sign-ins allowed per client address"),
    ("CRUDDUR_SIGNUP_LIMIT_PER_ADDRESS", "5/minute;50/day", "sign-up attempts allowed per client address"),
    ("CRUDDUR_WRITE_LIMIT_PER_USER", "30/minute;500/hour", "posts, replies and messages allowed per user"),
    ("CRUDDUR_ROLLBAR_TEST_LIMIT", "3/minute;20/day", "GET /rollbar/test calls allowed, all callers together "
                                                      "(each one is a Rollbar item)"),
    ("CRUDDUR_IPV6_LIMIT_PREFIX", "64", "prefix length an IPv6 client is limited by (IPv4: per address)"),
    ("CRUDDUR_TRACE_PARENT_BUDGET", "10/second", "per process: caller-sampled requests traced beyond the "
                                                 "sampler's own choice; the rest are sampled locally"),
    ("RATELIMIT_STORAGE_URI", "memory://", "where the limit counters live; redis://host:6379/0 shares "
                                           "them across workers and replicas"),
    ("CRUDDUR_PROXY_HOPS", "0", "trusted reverse proxies in front of gunicorn; 0 ignores X-Forwarded-For"),
)

# Variables a library reads itself, by library. Cruddur passes every other value explicitly.
READ_BY_LIBRARIES = {
    "AWS_ACCESS_KEY_ID": "boto3",
    "AWS_SECRET_ACCESS_KEY": "boto3",
    "AWS_SESSION_TOKEN": "boto3",
    "OTEL_TRACES_SAMPLER": "opentelemetry-sdk",
    "OTEL_TRACES_SAMPLER_ARG": "opentelemetry-sdk",
    "OTEL_RESOURCE_ATTRIBUTES": "opentelemetry-sdk",
}

# app.config keys that are not the variable's own name.
CONFIG_KEYS = {
    "CRUDDUR_ENV": "ENV",
    "DATABASE_URL": "SQLALCHEMY_DATABASE_URI",
    "XDG_DATA_HOME": "DATA_HOME",
    "CRUDDUR_FAULTS": "FAULTS",
    "AWS_COGNITO_USER_POOL_ID": "COGNITO_USER_POOL_ID",
    "AWS_COGNITO_USER_POOL_CLIENT_ID": "COGNITO_CLIENT_ID",
    "AWS_COGNITO_JWKS_URL": "COGNITO_JWKS_URL",
    "CRUDDUR_SIGNIN_LIMIT_PER_ACCOUNT": "SIGNIN_LIMIT_PER_ACCOUNT",
    "CRUDDUR_SIGNIN_LIMIT_PER_ADDRESS": "SIGNIN_LIMIT_PER_ADDRESS",
    "CRUDDUR_SIGNUP_LIMIT_PER_ADDRESS": "SIGNUP_LIMIT_PER_ADDRESS",
    "CRUDDUR_WRITE_LIMIT_PER_USER": "WRITE_LIMIT_PER_USER",
    "CRUDDUR_PROXY_HOPS": "PROXY_HOPS",
    "CRUDDUR_STATEMENT_TIMEOUT_MS": "STATEMENT_TIMEOUT_MS",
    "CRUDDUR_LOCAL_AWS_URL": "LOCAL_AWS_URL",
    "CRUDDUR_LOCAL_ROLLBAR_URL": "LOCAL_ROLLBAR_URL",
    "CRUDDUR_XRAY_MODE": "XRAY_MODE",
}

# The local stack's stand-ins for the cloud take over only where the real service is not configured.
LOCAL_REGION = "us-east-1"
LOCAL_ROLLBAR_TOKEN = "cruddur-local-sink"  # not a secret: the local sink accepts any token

XRAY_MODES = ("sdk", "otel")  # CRUDDUR_XRAY_MODE: telemetry/xray_mode.py
SECRET_KEY_MIN_BYTES = 32  # HS256 tokens and signed cursors; RFC 7518 asks for a key as long as the hash
DEFAULTS = {name: default for name, default, _meaning in ENV_VARS}


class ConfigError(SystemExit):
    """A setting Cruddur cannot start with. A SystemExit with a message: `flask` and gunicorn
    print the one line and stop (exit status 1), with no traceback to read through."""

    def __init__(self, message):
        super().__init__(f"cruddur: configuration error: {message}")


def read(env, names):
    """{name: value} for these variables, each one's default standing in when unset or empty."""
    return {name: env.get(name) or DEFAULTS[name] for name in names}


def server_settings(env=None):
    """What gunicorn.conf.py needs before any worker exists."""
    values = read(os.environ if env is None else env, ("PORT", "GUNICORN_WORKERS", "GUNICORN_CONTROL_SOCKET"))
    return {"PORT": _whole_number("PORT", values["PORT"], 1, 65535),
            "GUNICORN_WORKERS": _whole_number("GUNICORN_WORKERS", values["GUNICORN_WORKERS"], 1, 1000),
            "GUNICORN_CONTROL_SOCKET": values["GUNICORN_CONTROL_SOCKET"]}


def _whole_number(name, value, low, high):
    if not value.isdigit() or not low <= int(value) <= high:
        raise ConfigError(f"{name} must be a whole number from {low} to {high}, not {value!r}")
    return int(value)


def xray_mode(value):
    """CRUDDUR_XRAY_MODE, lower-cased; a ConfigError for anything but sdk or otel."""
    mode = (value or DEFAULTS["CRUDDUR_XRAY_MODE"]).strip().lower()
    if mode not in XRAY_MODES:
        raise ConfigError(f"CRUDDUR_XRAY_MODE must be one of {', '.join(XRAY_MODES)}, not {value!r}")
    return mode


def _data_dir(data_home):
    path = Path(data_home).expanduser() / "cruddur"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _dev_secret_key(data_home):
    """A random key created once per install, so local tokens survive restarts."""
    path = _data_dir(data_home) / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


class Config:
    """Read from the environment when the app is built; tests pass overrides to create_app."""

    def __init__(self, env=None):
        env = os.environ if env is None else env
        values = read(env, (name for name in DEFAULTS if name not in READ_BY_LIBRARIES))
        for name, value in values.items():
            setattr(self, CONFIG_KEYS.get(name, name), value)
        for name, value in server_settings(env).items():
            setattr(self, name, value)
        self.SQLALCHEMY_DATABASE_URI = (self.SQLALCHEMY_DATABASE_URI
                                        or f"sqlite:///{_data_dir(self.DATA_HOME) / 'cruddur.sqlite3'}")
        self.SECRET_KEY = self.SECRET_KEY or self._secret_for(self.ENV, self.DATA_HOME)
        if self.ENV == "production" and len(self.SECRET_KEY.encode()) < SECRET_KEY_MIN_BYTES:
            raise ConfigError(f"SECRET_KEY is {len(self.SECRET_KEY.encode())} bytes; CRUDDUR_ENV=production "
                              f"needs at least {SECRET_KEY_MIN_BYTES} (e.g. python -c 'import secrets; "
                              f"print(secrets.token_urlsafe(48))')")
        self._use_local_services(env)
        self.XRAY_MODE = xray_mode(self.XRAY_MODE)
        self.PROXY_HOPS = self._hops(self.PROXY_HOPS)
        self.STATEMENT_TIMEOUT_MS = _whole_number("CRUDDUR_STATEMENT_TIMEOUT_MS", str(self.STATEMENT_TIMEOUT_MS),
                                                  0, 600_000)
        self.MAX_CONTENT_LENGTH = 64 * 1024
        self.ACCESS_TOKEN_TTL_SECONDS = 24 * 3600
        # An `argon2.profiles` name: argon2id as RFC 9106 recommends where memory is scarce (64 MiB,
        # 3 passes, 4 lanes). Not an environment setting: only code chooses another (the in-process
        # tests take "CHEAPEST").
        self.PASSWORD_HASH_PROFILE = "RFC_9106_LOW_MEMORY"
        self.PAGE_LIMIT_DEFAULT = 20
        self.PAGE_LIMIT_MAX = 100

    def _use_local_services(self, env):
        """docker compose with no account: CloudWatch Logs go to the local AWS (moto) with local
        credentials, and Rollbar items to the local sink. A real AWS credential, an explicit
        AWS_ENDPOINT_URL or a Rollbar token each keeps its real service."""
        self.LOCAL_AWS = bool(self.LOCAL_AWS_URL and not env.get("AWS_ACCESS_KEY_ID") and not self.AWS_ENDPOINT_URL)
        if self.LOCAL_AWS:
            self.AWS_ENDPOINT_URL = self.LOCAL_AWS_URL
            self.AWS_DEFAULT_REGION = self.AWS_DEFAULT_REGION or LOCAL_REGION
        if self.LOCAL_ROLLBAR_URL and not self.ROLLBAR_ACCESS_TOKEN:
            self.ROLLBAR_ACCESS_TOKEN = LOCAL_ROLLBAR_TOKEN
            self.ROLLBAR_ENDPOINT = self.LOCAL_ROLLBAR_URL

    @staticmethod
    def _hops(value):
        if not value.isdigit() or int(value) > 10:
            raise RuntimeError(f"CRUDDUR_PROXY_HOPS must be a whole number from 0 to 10, not {value!r}")
        return int(value)

    @staticmethod
    def _secret_for(environment, data_home):
        if environment != "development":
            raise ConfigError("SECRET_KEY must be set when CRUDDUR_ENV is not development")
        return _dev_secret_key(data_home)

    def as_mapping(self):
        return {k: v for k, v in vars(self).items() if k.isupper()}
