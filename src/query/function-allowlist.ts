// Every function the engine has, each allowed or refused by name (ClickHouse 26.7, read from its
// system.functions; test/unit/function-allowlist.test.ts fails on any name in neither list,
// so a new engine version adds nothing to /query silently). One name a word; aliases are listed
// beside what they stand for. This file is data, hence its length.
//
// Allowed: what people analyse logs with, and nothing whose cost grows faster than its input.
// Refused, by reason:
// - host, identity, settings: the server's files, name, paths, users and configuration;
// - tables: functions that take a table or set by name, past the gate's table check;
// - dictionaries: external sources;
// - network: functions that call out (AI providers);
// - parsers: functions that parse a string as SQL, a structure or an output format, which the
//   gate cannot see into;
// - superlinear: one row can cost quadratic time or worse, and the engine checks the time limit
//   only between blocks of rows;
// - writes, internal: they change state, or exist for the engine's own rewrites;
// - unneeded: specialised families (polygons, H3, bitmaps, time-series grids, ML, encryption)
//   that log analysis does not need; each could be allowed after a look at its cost.

/** Allowed functions by category, as system.functions names them. */
export const ALLOWED_FUNCTIONS: Record<string, string> = {
  aggregates: `
    analysisOfVariance anova any any_respect_nulls any_value any_value_respect_nulls anyHeavy anyLast
    anyLast_respect_nulls anyLastRespectNulls anyRespectNulls anyValueRespectNulls approx_top_count
    approx_top_k approx_top_sum argAndMax argAndMin argMax argMin array_agg avg avgWeighted BIT_AND
    BIT_OR BIT_XOR boundingRatio categoricalInformationValue contingency corr corrMatrix corrStable
    count COVAR_POP COVAR_SAMP covarPop covarPopMatrix covarPopStable covarSamp covarSampMatrix
    covarSampStable cramersV cramersVBiasCorrected cume_dist deltaSum deltaSumTimestamp dense_rank
    denseRank distinctDynamicTypes distinctJSONPaths distinctJSONPathsAndTypes entropy
    exponentialMovingAverage exponentialTimeDecayedAvg exponentialTimeDecayedCount
    exponentialTimeDecayedMax exponentialTimeDecayedSum first_value first_value_respect_nulls
    firstValueRespectNulls group_concat groupArray groupArrayInsertAt groupArrayIntersect groupArrayLast
    groupArrayMovingAvg groupArrayMovingSum groupArraySample groupArraySorted groupBitAnd groupBitOr
    groupBitXor groupConcat groupUniqArray histogram intervalLengthSum kolmogorovSmirnovTest kurtPop
    kurtSamp lag lagInFrame largestTriangleThreeBuckets last_value last_value_respect_nulls
    lastValueRespectNulls lead leadInFrame lttb mannWhitneyUTest max max_by maxIntersections
    maxIntersectionsPosition maxMappedArrays meanZTest median medianBFloat16 medianBFloat16Weighted
    medianDD medianDeterministic medianExact medianExactHigh medianExactLow medianExactWeighted
    medianExactWeightedInterpolated medianGK medianInterpolatedWeighted medianTDigest
    medianTDigestWeighted medianTiming medianTimingWeighted min min_by minMappedArrays
    nonNegativeDerivative nth_value ntile percent_rank percentRank quantile quantileBFloat16
    quantileBFloat16Weighted quantileDD quantileDeterministic quantileExact quantileExactExclusive
    quantileExactHigh quantileExactInclusive quantileExactLow quantileExactWeighted
    quantileExactWeightedInterpolated quantileGK quantileInterpolatedWeighted
    quantilePrometheusHistogram quantiles quantilesBFloat16 quantilesBFloat16Weighted quantilesDD
    quantilesDeterministic quantilesExact quantilesExactExclusive quantilesExactHigh
    quantilesExactInclusive quantilesExactLow quantilesExactWeighted quantilesExactWeightedInterpolated
    quantilesGK quantilesInterpolatedWeighted quantilesPrometheusHistogram quantilesTDigest
    quantilesTDigestWeighted quantilesTiming quantilesTimingWeighted quantileTDigest
    quantileTDigestWeighted quantileTiming quantileTimingWeighted rank rankCorr retention row_number
    simpleLinearRegression singleValueOrNull skewPop skewSamp sparkbar sparkBar STD STDDEV STDDEV_POP
    STDDEV_SAMP stddevPop stddevPopStable stddevSamp stddevSampStable string_agg studentTTest
    studentTTestOneSample sum sumCount sumKahan sumMapFiltered sumMapFilteredWithOverflow
    sumMappedArrays sumMapWithOverflow sumWithOverflow theilsU topK topKWeighted uniq uniqCombined
    uniqCombined64 uniqExact uniqHLL12 uniqUpTo VAR_POP VAR_SAMP varPop varPopStable varSamp
    varSampStable welchTTest
  `,
  arithmetic: `
    abs avg2 byteSwap divide divideDecimal divideOrNull gcd ifNotFinite intDiv intDivOrNull intDivOrZero
    isFinite isInfinite isNaN lcm max2 midpoint min2 minus mod modOrNull modulo moduloLegacy
    moduloOrNull moduloOrZero multiply multiplyDecimal negate plus pmod pmodOrNull positive_modulo
    positive_modulo_or_null positiveModulo positiveModuloOrNull sqr
  `,
  arrays: `
    array array_remove arrayAll arrayAUC arrayAUCPR arrayAvg arrayBottomK arrayCompact arrayConcat
    arrayCount arrayCumSum arrayCumSumNonNegative arrayDifference arrayDistinct arrayDotProduct
    arrayElement arrayElementOrNull arrayEnumerate arrayEnumerateDense arrayEnumerateDenseRanked
    arrayEnumerateUniq arrayEnumerateUniqRanked arrayExcept arrayExists arrayFill arrayFilter arrayFirst
    arrayFirstIndex arrayFirstOrNull arrayFlatten arrayIntersect arrayJaccardIndex arrayJoin arrayLast
    arrayLastIndex arrayLastOrNull arrayMap arrayMax arrayMin arrayNormalizedGini
    arrayPartialReverseSort arrayPartialShuffle arrayPartialSort arrayPopBack arrayPopFront arrayPRAUC
    arrayProduct arrayPushBack arrayPushFront arrayRandomSample arrayReduce arrayReduceInRanges
    arrayRemove arrayResize arrayReverse arrayReverseFill arrayReverseSort arrayReverseSplit arrayROCAUC
    arrayRotateLeft arrayRotateRight arrayShiftLeft arrayShiftRight arrayShingles arrayShuffle
    arraySlice arraySort arraySplit arraySum arraySymmetricDifference arrayTopK arrayTranspose
    arrayUnion arrayUniq arrayWithConstant arrayZip arrayZipUnaligned CARDINALITY countEqual empty
    emptyArrayDate emptyArrayDateTime emptyArrayFloat32 emptyArrayFloat64 emptyArrayInt16
    emptyArrayInt32 emptyArrayInt64 emptyArrayInt8 emptyArrayString emptyArrayToSingle emptyArrayUInt16
    emptyArrayUInt32 emptyArrayUInt64 emptyArrayUInt8 flatten has hasAll hasAny indexOf
    indexOfAssumeSorted length notEmpty OCTET_LENGTH range replicate reverse unnest
  `,
  bits: `
    bitAnd bitCount bitHammingDistance bitNot bitOr bitRotateLeft bitRotateRight bitShiftLeft
    bitShiftRight bitSlice bitTest bitTestAll bitTestAny bitXor
  `,
  comparison: `
    equals globalIn globalNotIn globalNotNullIn globalNullIn greater greaterOrEquals in isDistinctFrom
    isNotDistinctFrom less lessOrEquals notEquals notIn notNullIn nullIn
  `,
  conditional: `
    caseWithExpr caseWithExpression caseWithoutExpr caseWithoutExpression clamp greatest if least
    multiIf
  `,
  conversion: `
    accurateCast accurateCastOrDefault accurateCastOrNull CAST DATE fromUnixTimestamp64Micro
    fromUnixTimestamp64Milli fromUnixTimestamp64Nano fromUnixTimestamp64Second parseDateTime
    parseDateTime32BestEffort parseDateTime32BestEffortOrNull parseDateTime32BestEffortOrZero
    parseDateTime64 parseDateTime64BestEffort parseDateTime64BestEffortOrNull
    parseDateTime64BestEffortOrZero parseDateTime64BestEffortUS parseDateTime64BestEffortUSOrNull
    parseDateTime64BestEffortUSOrZero parseDateTime64InJodaSyntax parseDateTime64InJodaSyntaxOrNull
    parseDateTime64InJodaSyntaxOrZero parseDateTime64OrNull parseDateTime64OrZero
    parseDateTimeBestEffort parseDateTimeBestEffortOrNull parseDateTimeBestEffortOrZero
    parseDateTimeBestEffortUS parseDateTimeBestEffortUSOrNull parseDateTimeBestEffortUSOrZero
    parseDateTimeInJodaSyntax parseDateTimeInJodaSyntaxOrNull parseDateTimeInJodaSyntaxOrZero
    parseDateTimeOrNull parseDateTimeOrZero reinterpret reinterpretAsDate reinterpretAsDateTime
    reinterpretAsFixedString reinterpretAsFloat32 reinterpretAsFloat64 reinterpretAsInt128
    reinterpretAsInt16 reinterpretAsInt256 reinterpretAsInt32 reinterpretAsInt64 reinterpretAsInt8
    reinterpretAsString reinterpretAsUInt128 reinterpretAsUInt16 reinterpretAsUInt256
    reinterpretAsUInt32 reinterpretAsUInt64 reinterpretAsUInt8 reinterpretAsUUID str_to_date TO_UNIXTIME
    toBFloat16 toBFloat16OrNull toBFloat16OrZero toBool toDate toDate32 toDate32OrDefault toDate32OrNull
    toDate32OrZero toDateOrDefault toDateOrNull toDateOrZero toDateTime toDateTime32 toDateTime64
    toDateTime64OrDefault toDateTime64OrNull toDateTime64OrZero toDateTimeOrDefault toDateTimeOrNull
    toDateTimeOrZero toDecimal128 toDecimal128OrDefault toDecimal128OrNull toDecimal128OrZero
    toDecimal256 toDecimal256OrDefault toDecimal256OrNull toDecimal256OrZero toDecimal32
    toDecimal32OrDefault toDecimal32OrNull toDecimal32OrZero toDecimal64 toDecimal64OrDefault
    toDecimal64OrNull toDecimal64OrZero toDecimalString toFixedString toFloat32 toFloat32OrDefault
    toFloat32OrNull toFloat32OrZero toFloat64 toFloat64OrDefault toFloat64OrNull toFloat64OrZero
    toInt128 toInt128OrDefault toInt128OrNull toInt128OrZero toInt16 toInt16OrDefault toInt16OrNull
    toInt16OrZero toInt256 toInt256OrDefault toInt256OrNull toInt256OrZero toInt32 toInt32OrDefault
    toInt32OrNull toInt32OrZero toInt64 toInt64OrDefault toInt64OrNull toInt64OrZero toInt8
    toInt8OrDefault toInt8OrNull toInt8OrZero toInterval toIntervalDay toIntervalHour
    toIntervalMicrosecond toIntervalMillisecond toIntervalMinute toIntervalMonth toIntervalNanosecond
    toIntervalQuarter toIntervalSecond toIntervalWeek toIntervalYear toLowCardinality toString
    toStringCutToZero toTime toTime64 toTime64OrNull toTime64OrZero toTimeOrNull toTimeOrZero toUInt128
    toUInt128OrDefault toUInt128OrNull toUInt128OrZero toUInt16 toUInt16OrDefault toUInt16OrNull
    toUInt16OrZero toUInt256 toUInt256OrDefault toUInt256OrNull toUInt256OrZero toUInt32
    toUInt32OrDefault toUInt32OrNull toUInt32OrZero toUInt64 toUInt64OrDefault toUInt64OrNull
    toUInt64OrZero toUInt8 toUInt8OrDefault toUInt8OrNull toUInt8OrZero toUnixTimestamp64Micro
    toUnixTimestamp64Milli toUnixTimestamp64Nano toUnixTimestamp64Second toUUID toUUIDOrZero
  `,
  dates: `
    addDate addDays addHours addInterval addMicroseconds addMilliseconds addMinutes addMonths
    addNanoseconds addQuarters addSeconds addTupleOfIntervals addWeeks addYears age changeDay changeHour
    changeMinute changeMonth changeSecond changeYear curdate current_date current_timestamp date_bin
    date_diff DATE_DIFF DATE_FORMAT DATE_TRUNC dateDiff dateName dateTrunc DAY DAYOFMONTH DAYOFWEEK
    DAYOFYEAR formatDateTime formatDateTimeInJodaSyntax FROM_DAYS FROM_UNIXTIME from_utc_timestamp
    fromDaysSinceYearZero fromDaysSinceYearZero32 fromModifiedJulianDay fromModifiedJulianDayOrNull
    fromUnixTimestamp fromUnixTimestampInJodaSyntax fromUTCTimestamp HOUR LAST_DAY localtime
    localtimestamp makeDate makeDate32 makeDateTime makeDateTime64 MICROSECOND MILLISECOND MINUTE MONTH
    monthName NANOSECOND now now64 nowInBlock nowInBlock64 QUARTER SECOND serverTimezone serverTimeZone
    subDate subtractDays subtractHours subtractInterval subtractMicroseconds subtractMilliseconds
    subtractMinutes subtractMonths subtractNanoseconds subtractQuarters subtractSeconds
    subtractTupleOfIntervals subtractWeeks subtractYears time_bucket timeDiff timeSlot timestamp
    timestamp_diff TIMESTAMP_DIFF timestampDiff timezone timeZone timezoneOf timeZoneOf timezoneOffset
    timeZoneOffset TO_DAYS to_utc_timestamp today toDayOfMonth toDayOfWeek toDayOfYear toDaysInMonth
    toDaysSinceYearZero toHour toISOWeek toISOYear toLastDayOfMonth toLastDayOfWeek toMicrosecond
    toMillisecond toMinute toModifiedJulianDay toModifiedJulianDayOrNull toMonday toMonth
    toMonthNumSinceEpoch toNanosecond toQuarter toRelativeDayNum toRelativeHourNum toRelativeMinuteNum
    toRelativeMonthNum toRelativeQuarterNum toRelativeSecondNum toRelativeWeekNum toRelativeYearNum
    toSecond toStartOfDay toStartOfFifteenMinutes toStartOfFiveMinute toStartOfFiveMinutes toStartOfHour
    toStartOfInterval toStartOfISOYear toStartOfMicrosecond toStartOfMillisecond toStartOfMinute
    toStartOfMonth toStartOfNanosecond toStartOfQuarter toStartOfSecond toStartOfTenMinutes
    toStartOfWeek toStartOfYear toTimeWithFixedDate toTimezone toTimeZone toUnixTimestamp toUTCTimestamp
    toWeek toYear toYearNumSinceEpoch toYearWeek toYYYYMM toYYYYMMDD toYYYYMMDDhhmmss UTC_timestamp
    UTCTimestamp week YEAR yearweek yesterday YYYYMMDDhhmmssToDateTime YYYYMMDDhhmmssToDateTime64
    YYYYMMDDToDate YYYYMMDDToDate32
  `,
  distance: `
    cosineDistance cosineDistanceTransposed cosineDistanceTransposedQuantized distanceCosine
    distanceCosineTransposed distanceL1 distanceL2 distanceL2Squared distanceL2Transposed distanceLinf
    distanceLp dotProductTransposed dotProductTransposedQuantized L1Distance L1Norm L1Normalize
    L2Distance L2DistanceTransposed L2DistanceTransposedQuantized L2Norm L2Normalize L2SquaredDistance
    L2SquaredNorm LinfDistance LinfNorm LinfNormalize LpDistance LpNorm LpNormalize normalizeL1
    normalizeL2 normalizeLinf normalizeLp normL1 normL2 normL2Squared normLinf normLp
    scalarProductTransposed
  `,
  encoding: `
    bin bitmaskToArray bitmaskToList bitPositionsToArray char hex hilbertDecode hilbertEncode
    mortonDecode mortonEncode sqid sqidDecode sqidEncode unbin unhex
  `,
  geo: `
    geoDistance geohashDecode geohashEncode greatCircleAngle greatCircleDistance
  `,
  hashes: `
    cityHash64 farmFingerprint64 farmHash64 gccMurmurHash halfMD5 hiveHash icebergHash intHash32
    intHash64 javaHash javaHashUTF16LE jumpConsistentHash kafkaMurmurHash keccak256 kostikConsistentHash
    MD4 MD5 metroHash64 murmurHash2_32 murmurHash2_64 murmurHash3_128 murmurHash3_32 murmurHash3_64
    ngramMinHash ngramMinHashArg ngramMinHashArgCaseInsensitive ngramMinHashArgCaseInsensitiveUTF8
    ngramMinHashArgUTF8 ngramMinHashCaseInsensitive ngramMinHashCaseInsensitiveUTF8 ngramMinHashUTF8
    ngramSimHash ngramSimHashCaseInsensitive ngramSimHashCaseInsensitiveUTF8 ngramSimHashUTF8 RIPEMD160
    SHA1 SHA224 SHA256 SHA384 SHA512 SHA512_256 sipHash128 sipHash128Keyed sipHash128Reference
    sipHash128ReferenceKeyed sipHash64 sipHash64Keyed URLHash wordShingleMinHash wordShingleMinHashArg
    wordShingleMinHashArgCaseInsensitive wordShingleMinHashArgCaseInsensitiveUTF8
    wordShingleMinHashArgUTF8 wordShingleMinHashCaseInsensitive wordShingleMinHashCaseInsensitiveUTF8
    wordShingleMinHashUTF8 wordShingleSimHash wordShingleSimHashCaseInsensitive
    wordShingleSimHashCaseInsensitiveUTF8 wordShingleSimHashUTF8 wyHash64 xxh3 xxh3_128 xxHash32
    xxHash64 xxHash64Spark yandexConsistentHash
  `,
  ip: `
    cutIPv6 INET_ATON INET_NTOA INET6_ATON INET6_NTOA IPv4CIDRToRange IPv4NumToString
    IPv4NumToStringClassC IPv4StringToNum IPv4StringToNumOrDefault IPv4StringToNumOrNull IPv4ToIPv6
    IPv6CIDRToRange IPv6NumToString IPv6StringToNum IPv6StringToNumOrDefault IPv6StringToNumOrNull
    isIPAddressInRange isIPv4String isIPv6String toIPv4 toIPv4OrDefault toIPv4OrNull toIPv4OrZero toIPv6
    toIPv6OrDefault toIPv6OrNull toIPv6OrZero
  `,
  json: `
    dynamicElement dynamicType isDynamicElementInSharedData isValidJSON JSON_ARRAY_LENGTH JSON_EXISTS
    JSON_QUERY JSON_VALUE JSONAllPaths JSONAllPathsWithTypes JSONAllValues JSONArrayLength
    JSONDynamicPaths JSONDynamicPathsWithTypes JSONExtract JSONExtractArrayRaw
    JSONExtractArrayRawCaseInsensitive JSONExtractBool JSONExtractBoolCaseInsensitive
    JSONExtractCaseInsensitive JSONExtractFloat JSONExtractFloatCaseInsensitive JSONExtractInt
    JSONExtractIntCaseInsensitive JSONExtractKeys JSONExtractKeysAndValues
    JSONExtractKeysAndValuesCaseInsensitive JSONExtractKeysAndValuesRaw
    JSONExtractKeysAndValuesRawCaseInsensitive JSONExtractKeysCaseInsensitive JSONExtractRaw
    JSONExtractRawCaseInsensitive JSONExtractString JSONExtractStringCaseInsensitive JSONExtractUInt
    JSONExtractUIntCaseInsensitive JSONHas JSONKey JSONLength jsonMergePatch JSONMergePatch
    JSONSharedDataPaths JSONSharedDataPathsWithTypes JSONType prettyPrintJSON simpleJSONExtractBool
    simpleJSONExtractFloat simpleJSONExtractInt simpleJSONExtractRaw simpleJSONExtractString
    simpleJSONExtractUInt simpleJSONHas toJSONString visitParamExtractBool visitParamExtractFloat
    visitParamExtractInt visitParamExtractRaw visitParamExtractString visitParamExtractUInt
    visitParamHas
  `,
  logical: `
    and not or xor
  `,
  maps: `
    extractKeyValuePairs extractKeyValuePairsWithEscaping map MAP_FROM_ARRAYS mapAdd mapAll mapApply
    mapConcat mapContains mapContainsKey mapContainsKeyLike mapContainsValue mapContainsValueLike
    mapExists mapExtractKeyLike mapExtractValueLike mapFilter mapFromArrays mapFromString mapKeys
    mapPartialReverseSort mapPartialSort mapReverseSort mapSort mapSubtract mapUpdate mapValues
    str_to_map
  `,
  math: `
    acos acosh asin asinh atan atan2 atanh cbrt cos cosh degrees e erf erfc exp exp10 exp2 factorial
    hypot intExp10 intExp2 isPrime isProbablePrime lgamma ln log log10 log1p log2 pi pow power
    proportionsZTest radians sigmoid sign sin sinh sqrt tan tanh tgamma width_bucket widthBucket
  `,
  nulls: `
    assumeNotNull coalesce firstNonDefault ifNull isNotNull isNull isNullable isZeroOrNull nullIf
    toNullable
  `,
  other: `
    bar blockNumber blockSize byteSize colorOKLABToSRGB colorOKLCHToSRGB colorSRGBToOKLAB
    colorSRGBToOKLCH countDigits current_database current_query_id currentDatabase currentQueryID
    DATABASE defaultValueOfArgumentType defaultValueOfTypeName digits errorCodeToName
    finalizeAggregation FORMAT_BYTES formatReadableDecimalSize formatReadableQuantity formatReadableSize
    formatReadableTimeDelta getSizeOfEnumType getSubcolumn identity ignore indexHint
    initializeAggregation isConstant isDecimalOverflow lowCardinalityIndices lowCardinalityKeys
    MACNumToString MACStringToNum MACStringToOUI materialize minSampleSizeContinous
    minSampleSizeContinuous minSampleSizeConversion neighbor normalizedQueryHash
    normalizedQueryHashKeepNames normalizeQuery normalizeQueryKeepNames parseReadableSize
    parseReadableSizeOrNull parseReadableSizeOrZero parseTimeDelta query_id queryID rowNumberInAllBlocks
    rowNumberInBlock runningAccumulate runningConcurrency runningDifference
    runningDifferenceStartingWithFirstValue SCHEMA throwIf toColumnTypeName tokenizeQuery toTypeName
    transform variantElement variantType visibleWidth
  `,
  random: `
    fuzzBits rand rand32 rand64 randBernoulli randBinomial randCanonical randChiSquared randConstant
    randExponential randFisherF randLogNormal randNegativeBinomial randNormal randomFixedString
    randomPrintableASCII randomString randomStringUTF8 randPoisson randStudentT randUniform
  `,
  replacement: `
    format overlay overlayUTF8 printf REGEXP_REPLACE regexpQuoteMeta replace replaceAll replaceOne
    replaceRegexpAll replaceRegexpOne translate translateUTF8
  `,
  rounding: `
    ceil ceiling floor round roundAge roundBankers roundDown roundDuration roundToExp2 trunc truncate
  `,
  search: `
    countMatches countMatchesCaseInsensitive countSubstrings countSubstringsCaseInsensitive
    countSubstringsCaseInsensitiveUTF8 extract extractAll extractAllGroupsHorizontal extractGroups
    hasAllToken hasAllTokens hasAnyToken hasAnyTokens hasPhrase hasSubsequence
    hasSubsequenceCaseInsensitive hasSubsequenceCaseInsensitiveUTF8 hasSubsequenceUTF8 hasToken
    hasTokenCaseInsensitive hasTokenCaseInsensitiveOrNull hasTokenOrNull highlight ilike instr like
    locate match matchPhrase multiSearchAllPositions multiSearchAllPositionsCaseInsensitive
    multiSearchAllPositionsCaseInsensitiveUTF8 multiSearchAllPositionsUTF8 multiSearchAny
    multiSearchAnyCaseInsensitive multiSearchAnyCaseInsensitiveUTF8 multiSearchAnyUTF8
    multiSearchFirstIndex multiSearchFirstIndexCaseInsensitive multiSearchFirstIndexCaseInsensitiveUTF8
    multiSearchFirstIndexUTF8 multiSearchFirstPosition multiSearchFirstPositionCaseInsensitive
    multiSearchFirstPositionCaseInsensitiveUTF8 multiSearchFirstPositionUTF8 ngramDistance
    ngramDistanceCaseInsensitive ngramDistanceCaseInsensitiveUTF8 ngramDistanceUTF8 ngramSearch
    ngramSearchCaseInsensitive ngramSearchCaseInsensitiveUTF8 ngramSearchUTF8 notILike notLike position
    positionCaseInsensitive positionCaseInsensitiveUTF8 positionUTF8 REGEXP_MATCHES
  `,
  splitting: `
    alphaTokens array_to_string arrayStringConcat extractAllGroups extractAllGroupsVertical ngrams
    reverseBySeparator splitByAlpha splitByChar splitByNonAlpha splitByRegexp splitByString
    splitByWhitespace tokens tokensForLikePattern
  `,
  strings: `
    appendTrailingCharIfAbsent ascii base32Decode base32Encode base58Decode base58Encode base64Decode
    base64Encode base64URLDecode base64URLEncode basename byteHammingDistance byteSlice caseFoldUTF8
    CHAR_LENGTH CHARACTER_LENGTH compareSubstrings concat concat_ws concatAssumeInjective
    concatWithSeparator concatWithSeparatorAssumeInjective conv convertCharset CRC32 CRC32IEEE CRC64
    decodeHTMLComponent decodeXMLComponent encodeXMLComponent endsWith endsWithCaseInsensitive
    endsWithCaseInsensitiveUTF8 endsWithUTF8 extractTextFromHTML firstLine FROM_BASE64 initcap
    initcapUTF8 isASCII isValidASCII isValidUTF8 lcase left leftPad leftPadUTF8 leftUTF8 lengthUTF8
    lower lowerUTF8 lpad ltrim mid mismatches NATURAL_SORT_KEY naturalSortKey normalizeUTF8NFC
    normalizeUTF8NFD normalizeUTF8NFKC normalizeUTF8NFKCCasefold normalizeUTF8NFKD REGEXP_EXTRACT
    regexp_instr REGEXP_SUBSTR regexpExtract regexpInstr regexpPosition removeAccentsUTF8
    removeDiacriticsUTF8 repeat reverseUTF8 right rightPad rightPadUTF8 rightUTF8 rpad rtrim soundex
    space startsWith startsWithCaseInsensitive startsWithCaseInsensitiveUTF8 startsWithUTF8
    stringBytesEntropy stringBytesUniq substr substring SUBSTRING_INDEX substringIndex
    substringIndexUTF8 substringUTF8 TO_BASE64 toValidUTF8 trim trimBoth trimLeft trimRight
    tryBase32Decode tryBase58Decode tryBase64Decode tryBase64URLDecode ucase upper upperUTF8
  `,
  tuples: `
    dotProduct flattenTuple scalarProduct tuple tupleConcat tupleDivide tupleDivideByNumber tupleElement
    tupleHammingDistance tupleIntDiv tupleIntDivByNumber tupleIntDivOrZero tupleIntDivOrZeroByNumber
    tupleMinus tupleModulo tupleModuloByNumber tupleMultiply tupleMultiplyByNumber tupleNames
    tupleNegate tuplePlus tuplePositiveModuloByNumber tupleToNameValuePairs vectorDifference vectorSum
  `,
  url: `
    cutFragment cutQueryString cutQueryStringAndFragment cutToFirstSignificantSubdomain
    cutToFirstSignificantSubdomainCustom cutToFirstSignificantSubdomainCustomRFC
    cutToFirstSignificantSubdomainCustomWithWWW cutToFirstSignificantSubdomainCustomWithWWWRFC
    cutToFirstSignificantSubdomainRFC cutToFirstSignificantSubdomainWithWWW
    cutToFirstSignificantSubdomainWithWWWRFC cutURLParameter cutWWW decodeURLComponent
    decodeURLFormComponent domain domainRFC domainWithoutWWW domainWithoutWWWRFC encodeURLComponent
    encodeURLFormComponent extractURLParameter extractURLParameterNames extractURLParameters
    firstSignificantSubdomain firstSignificantSubdomainCustom firstSignificantSubdomainCustomRFC
    firstSignificantSubdomainRFC fragment netloc path pathFull port portRFC protocol queryString
    queryStringAndFragment topLevelDomain topLevelDomainRFC URLHierarchy URLPathHierarchy
  `,
  uuid: `
    dateTime64ToSnowflakeID dateTimeToSnowflakeID dateTimeToUUIDv7 generateSnowflakeID generateUUIDv4
    generateUUIDv7 snowflakeIDToDateTime snowflakeIDToDateTime64 toUUIDOrDefault toUUIDOrNull
    UUIDNumToString UUIDStringToNum UUIDToNum UUIDv7ToDateTime
  `,
  windows: `
    hop hopEnd hopStart tumble tumbleEnd tumbleStart windowID
  `,
}

/** Names the parser produces that system.functions does not list. */
export const SYNTAX_FUNCTIONS = 'lambda exists grouping untuple countDistinct'

/** Refused functions by reason. */
export const REFUSED_FUNCTIONS: Record<string, string> = {
  dictionaries: `
    dictGet dictGetAll dictGetChildren dictGetDate dictGetDateOrDefault dictGetDateTime
    dictGetDateTimeOrDefault dictGetDescendants dictGetFloat32 dictGetFloat32OrDefault dictGetFloat64
    dictGetFloat64OrDefault dictGetHierarchy dictGetInt16 dictGetInt16OrDefault dictGetInt32
    dictGetInt32OrDefault dictGetInt64 dictGetInt64OrDefault dictGetInt8 dictGetInt8OrDefault
    dictGetIPv4 dictGetIPv4OrDefault dictGetIPv6 dictGetIPv6OrDefault dictGetKeys dictGetOrDefault
    dictGetOrNull dictGetRoot dictGetString dictGetStringOrDefault dictGetUInt16 dictGetUInt16OrDefault
    dictGetUInt32 dictGetUInt32OrDefault dictGetUInt64 dictGetUInt64OrDefault dictGetUInt8
    dictGetUInt8OrDefault dictGetUUID dictGetUUIDOrDefault dictHas dictIsIn regionHierarchy regionIn
    regionToArea regionToCity regionToContinent regionToCountry regionToDistrict regionToName
    regionToPopulation regionToTopContinent
  `,
  host: `
    addressToLine addressToLineWithInlines addressToSymbol buildId catboostEvaluate chdb connectionId
    current_schemas currentSchemas demangle displayName file filesystemAvailable filesystemCapacity
    filesystemUnreserved FQDN fullHostName getClientHTTPHeader getMacro getOSKernelVersion getServerPort
    globalVariable hasThreadFuzzer hostname hostName initial_query_id initial_query_start_time
    initialQueryID initialQueryStartTime revision serverUUID shardCount shardNum showCertificate tcpPort
    tid transactionID transactionLatestSnapshot transactionOldestSnapshot uptime version
    zookeeperSessionUptime
  `,
  identity: `
    authenticatedUser authUser current_user currentProfiles currentRoles currentUser defaultProfiles
    defaultRoles enabledProfiles enabledRoles session_user user
  `,
  internal: `
    __actionName __applyFilter __bitBoolMaskAnd __bitBoolMaskOr __bitSwapLastTwo __bitWrapperFunc
    __getScalar __patchPartitionID __scalarSubqueryResult __toYearCalendarOnly _CAST aggThrow
    array_concat_agg blockSerializedSize connection_id flameGraph nested nothing nothingNull
    nothingUInt64 validateNestedArraySizes
  `,
  network: `
    aiClassify AIClassify aiEmbed aiExtract AIExtract aiGenerate AIGenerate aiTranslate AITranslate
  `,
  parsers: `
    dumpColumnStructure estimateCompressionRatio formatQuery formatQueryOrNull formatQuerySingleLine
    formatQuerySingleLineOrNull formatRow formatRowNoNewline fuzzQuery generateRandomStructure
    getTypeSerializationStreams groupFormat highlightQuery icebergBucket icebergTruncate obfuscateQuery
    obfuscateQueryWithSeed structureToCapnProtoSchema structureToProtobufSchema
  `,
  settings: `
    getMergeTreeSetting getServerSetting getSetting getSettingOrDefault
  `,
  superlinear: `
    arrayAutocorrelation arrayFold arrayLevenshteinDistance arrayLevenshteinDistanceWeighted
    arraySimilarity damerauLevenshteinDistance editDistance editDistanceUTF8 hasSubstr jaroSimilarity
    jaroWinklerSimilarity levenshteinDistance levenshteinDistanceUTF8 mapPopulateSeries
    multiFuzzyMatchAllIndices multiFuzzyMatchAny multiFuzzyMatchAnyIndex multiMatchAllIndices
    multiMatchAny multiMatchAnyIndex sequenceCount sequenceMatch sequenceMatchEvents sequenceNextNode
    sleep sleepEachRow sparseGrams sparseGramsHashes sparseGramsHashesUTF8 sparseGramsUTF8
    stringJaccardIndex stringJaccardIndexUTF8 timeSlots windowFunnel
  `,
  tables: `
    getMaxTableNameLengthForDatabase globalInIgnoreSet globalNotInIgnoreSet globalNotNullInIgnoreSet
    globalNullInIgnoreSet hasColumnInTable inIgnoreSet isMergeTreePartCoveredBy joinGet joinGetOrNull
    mergeTreePartInfo notInIgnoreSet notNullInIgnoreSet nullInIgnoreSet partitionId partitionID
  `,
  unneeded: `
    aes_decrypt_mysql aes_encrypt_mysql areaCartesian areaSpherical bitmapAnd bitmapAndCardinality
    bitmapAndnot bitmapAndnotCardinality bitmapBuild bitmapCardinality bitmapContains bitmapHasAll
    bitmapHasAny bitmapMax bitmapMin bitmapOr bitmapOrCardinality bitmapSubsetInRange bitmapSubsetLimit
    bitmapToArray bitmapTransform bitmapXor bitmapXorCardinality decrypt dequantizeInt8ToBFloat16
    encrypt evalMLMethod financialInternalRateOfReturn financialInternalRateOfReturnExtended
    financialNetPresentValue financialNetPresentValueExtended flipCoordinates geohashesInBox
    geometryIntersectCartesian geometryIntersectSpherical geoToH3 geoToMGRS geoToUTM groupBitmap
    groupBitmapAnd groupBitmapOr groupBitmapXor groupNumericIndexedVector h3CellAreaM2 h3CellAreaRads2
    h3Distance h3EdgeAngle h3EdgeLengthKm h3EdgeLengthM h3ExactEdgeLengthKm h3ExactEdgeLengthM
    h3ExactEdgeLengthRads h3GetBaseCell h3GetDestinationIndexFromUnidirectionalEdge h3GetFaces
    h3GetIndexesFromUnidirectionalEdge h3GetOriginIndexFromUnidirectionalEdge h3GetPentagonIndexes
    h3GetRes0Indexes h3GetResolution h3GetUnidirectionalEdge h3GetUnidirectionalEdgeBoundary
    h3GetUnidirectionalEdgesFromHexagon h3HexAreaKm2 h3HexAreaM2 h3HexRing h3IndexesAreNeighbors
    h3IsPentagon h3IsResClassIII h3IsValid h3kRing h3Line h3NumHexagons h3PointDistKm h3PointDistM
    h3PointDistRads h3PolygonToCells h3PolygonToCellsWithContainment h3ToCenterChild h3ToChildren
    h3ToGeo h3ToGeoBoundary h3ToParent h3ToString h3UnidirectionalEdgeIsValid HMAC MGRSToGeo
    MVTBoundingBox MVTBoundingBoxMercator MVTEncode MVTEncodeGeom naiveBayesClassifier
    naiveBayesClassifierWithAllProbs naiveBayesClassifierWithProb naiveBayesNgrams
    numericIndexedVectorAllValueSum numericIndexedVectorBuild numericIndexedVectorCardinality
    numericIndexedVectorGetValue numericIndexedVectorPointwiseAdd numericIndexedVectorPointwiseDivide
    numericIndexedVectorPointwiseEqual numericIndexedVectorPointwiseGreater
    numericIndexedVectorPointwiseGreaterEqual numericIndexedVectorPointwiseLess
    numericIndexedVectorPointwiseLessEqual numericIndexedVectorPointwiseMultiply
    numericIndexedVectorPointwiseNotEqual numericIndexedVectorPointwiseSubtract
    numericIndexedVectorShortDebugString numericIndexedVectorToMap perimeterCartesian perimeterSpherical
    pointInEllipses pointInPolygon polygonAreaCartesian polygonAreaSpherical polygonConvexHullCartesian
    polygonPerimeterCartesian polygonPerimeterSpherical polygonsDistanceCartesian
    polygonsDistanceSpherical polygonsEqualsCartesian polygonsIntersectCartesian
    polygonsIntersectionCartesian polygonsIntersectionSpherical polygonsIntersectSpherical
    polygonsSymDifferenceCartesian polygonsSymDifferenceSpherical polygonsUnionCartesian
    polygonsUnionSpherical polygonsWithinCartesian polygonsWithinSpherical quantizeBFloat16ToInt8
    randomHadamardTransform readWkb readWKB readWKBLineString readWKBMultiLineString readWKBMultiPolygon
    readWKBPoint readWKBPolygon readWkt readWKT readWKTLineString readWKTMultiLineString
    readWKTMultiPolygon readWKTPoint readWKTPolygon readWKTRing seriesDecomposeSTL
    seriesOutliersDetectTukey ST_AsMVT ST_AsMVTGeom ST_LineFromWKB ST_MLineFromWKB ST_MPolyFromWKB
    ST_PointFromWKB ST_PolyFromWKB stochasticLinearRegression stochasticLogisticRegression stringToH3
    subBitmap svg SVG timeSeriesChangesToGrid timeSeriesCopyTag timeSeriesCopyTags timeSeriesDeltaToGrid
    timeSeriesDerivToGrid timeSeriesExtractTag timeSeriesFromGrid timeSeriesGroupArray
    timeSeriesGroupToSamplingKey timeSeriesGroupToTags timeSeriesIdToGroup timeSeriesIdToTags
    timeSeriesIdToTagsGroup timeSeriesIncreaseToGrid timeSeriesInstantDeltaToGrid
    timeSeriesInstantRateToGrid timeSeriesJoinTags timeSeriesLastToGrid timeSeriesLastTwoSamples
    timeSeriesPredictLinearToGrid timeSeriesRange timeSeriesRateToGrid timeSeriesRemoveAllTagsExcept
    timeSeriesRemoveTag timeSeriesRemoveTags timeSeriesReplaceTag timeSeriesResampleToGridWithStaleness
    timeSeriesResetsToGrid timeSeriesStoreTags timeSeriesTagsGroupToTags timeSeriesTagsToGroup
    timeSeriesThrowDuplicateSeriesIf tryDecrypt UTMToGeo wkb WKB wkt WKT
  `,
  writes: `
    generateSerialID logTrace
  `,
}
