git clone https://github.com/vtsserving/VtsServing && cd VtsServing
python3 -m venv .venv && . .venv/bin/activate
pip install -e ".[mlflow,sklearn]"
vtsserving --version
