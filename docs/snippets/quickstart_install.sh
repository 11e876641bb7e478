git clone https://github.com/vtsserving/VtsServing && cd VtsServing
python -m venv .venv && . .venv/bin/activate
pip install -e ".[mlflow,sklearn]"
vtsserving --version
