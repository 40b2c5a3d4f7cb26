"""Analytics: descriptors (count, segmentation, aggregation), their computation and results."""
