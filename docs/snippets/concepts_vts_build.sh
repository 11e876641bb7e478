vtsserving build
vtsserving build -f vtsfile.yaml --version 1.0.0 -o json
