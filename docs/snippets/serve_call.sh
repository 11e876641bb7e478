curl -s -X POST http://127.0.0.1:3000/predict \
     -H 'Content-Type: application/json' \
     -d '[[5.1, 3.5, 1.4, 0.2]]'
# -> [0]
