package rpcotel

import (
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"
)

// The constructors below return a no-op instrument when the MeterProvider
// refuses one: telemetry never stops a client.

// Int64Counter returns the counter name of m.
func Int64Counter(m metric.Meter, name, unit, desc string) metric.Int64Counter {
	c, err := m.Int64Counter(name, metric.WithUnit(unit), metric.WithDescription(desc))
	if err != nil {
		return noop.Int64Counter{}
	}
	return c
}

// Int64UpDownCounter returns the up-down counter name of m.
func Int64UpDownCounter(m metric.Meter, name, unit, desc string) metric.Int64UpDownCounter {
	c, err := m.Int64UpDownCounter(name, metric.WithUnit(unit), metric.WithDescription(desc))
	if err != nil {
		return noop.Int64UpDownCounter{}
	}
	return c
}

// Float64Histogram returns the histogram name of m.
func Float64Histogram(m metric.Meter, name, unit, desc string) metric.Float64Histogram {
	h, err := m.Float64Histogram(name, metric.WithUnit(unit), metric.WithDescription(desc))
	if err != nil {
		return noop.Float64Histogram{}
	}
	return h
}
