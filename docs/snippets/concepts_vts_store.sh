vtsserving list
vtsserving get iris_classifier:latest -o yaml
vtsserving serve iris_classifier:latest --port 3000
vtsserving export iris_classifier:latest ./iris_classifier.tar.gz
vtsserving delete iris_classifier:1.0.0 -y
vtsserving import ./iris_classifier.tar.gz
