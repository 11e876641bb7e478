docker run --rm -p 3000:3000 iris_logistic_regression:dev
