package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/sqstemp/sqstemp/responder"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		log.Error("load AWS configuration", "err", err)
		os.Exit(1)
	}
	r := responder.New(sqs.NewFromConfig(cfg), func(o *responder.Options) {
		o.Logger = log
		o.QueuePrefix = os.Getenv("SQSTEMP_QUEUE_PREFIX") // "" means the default
	})
	h := &handler{responder: r, answer: upperCase, log: log}
	lambda.Start(h.Handle)
}
