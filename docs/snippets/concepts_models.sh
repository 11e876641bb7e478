vtsserving models list
vtsserving models get iris_clf:latest -o json
vtsserving models export iris_clf:latest ./iris_clf.tar.gz
vtsserving models delete iris_clf:latest -y
vtsserving models import ./iris_clf.tar.gz
