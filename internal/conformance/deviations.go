package conformance

// FauxqsDeviations are the known deviations of the fauxqs emulator (2.4.1)
// from real SQS, found by this suite; see DEVIATIONS.md.
var FauxqsDeviations = map[Deviation]bool{
	DeviationQueueDeletedRecently:    true,
	DeviationQueueNames:              true,
	DeviationUnknownAttribute:        true,
	DeviationPurgeInProgress:         true,
	DeviationListQueuesMaxResults:    true,
	DeviationInvalidReceiptHandle:    true,
	DeviationAttributeCount:          true,
	DeviationAttributeValidation:     true,
	DeviationDelayRange:              true,
	DeviationMessageAttributeFilter:  true,
	DeviationDedupIDOnStandard:       true,
	DeviationFIFONaming:              true,
	DeviationFIFOOnePerGroup:         true,
	DeviationRedriveTarget:           true,
	DeviationSupplementaryCharacters: true,
}
