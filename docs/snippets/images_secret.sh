vtsserving containerize iris_classifier:latest \
    --secret id=pip_index_url,src=./pip_index_url.txt
