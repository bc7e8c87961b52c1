"""A user (or nobody) talking JSON to Cruddur through a Flask test client."""


class Api:
    def __init__(self, client, token=None):
        self.client = client
        self.token = token

    def headers(self):
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def get(self, path, **kw):
        return self.client.get(path, headers=self.headers(), **kw)

    def post(self, path, body=None, **kw):
        return self.client.post(path, json=body, headers=self.headers(), **kw)
