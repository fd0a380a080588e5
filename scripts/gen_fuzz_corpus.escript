#!/usr/bin/env escript
%% -*- erlang -*- coding: utf-8
%%
%% Writes the binary seeds of tests/fuzz/corpus with a real erl: etf/ (term_to_binary of a few
%% terms, in both atom encodings), dist_frame/ (distribution frames as a peer sends them after the
%% handshake) and handshake/ ({packet,2} streams of handshake messages). docs/fuzzing.md.
%%
%% Usage: scripts/gen_fuzz_corpus.escript [corpus directory]   (run with Erlang/OTP 25)

main(Args) ->
    Corpus = case Args of
                 [Path] -> Path;
                 [] -> filename:join([filename:dirname(escript:script_name()), "..", "tests", "fuzz", "corpus"])
             end,
    Seeds = [{"etf", Name, Bytes} || {Name, Bytes} <- etf()] ++
            [{"dist_frame", Name, Bytes} || {Name, Bytes} <- dist_frames()] ++
            [{"handshake", Name, Bytes} || {Name, Bytes} <- handshakes()],
    lists:foreach(fun({Target, Name, Bytes}) ->
                          File = filename:join([Corpus, Target, Name]),
                          ok = filelib:ensure_dir(File),
                          ok = file:write_file(File, Bytes)
                  end, Seeds),
    io:format("wrote ~b seeds under ~ts~n", [length(Seeds), Corpus]).

%% Each term as term_to_binary writes it by default (Latin-1 atoms as ATOM_EXT) and as distribution
%% does ({minor_version, 2}: UTF-8 atoms).
etf() ->
    Other = binary_to_term(<<131,88,119,3,"a@b",0,0,0,85,0,0,0,1,0,0,0,7>>),
    OtherRef = binary_to_term(<<131,90,0,2,119,3,"a@b",0,0,0,7,0,0,0,1,0,0,0,2>>),
    Terms = [{"integers", [0, 255, 256, -1, 2147483648, -9223372036854775808, 9223372036854775807]},
             {"floats", {0.0, -1.5, 1.0e300, 5.0e-324}},
             {"atoms", ['', 'hello world', 'héllo', '日本', true]},
             {"binaries", [<<>>, <<"hello">>, list_to_binary(lists:seq(0, 255))]},
             {"lists", ["abc", [1, 2 | 3], [a | b], [[]], [1, 256]]},
             {"tuples", {{}, {ok}, list_to_tuple(lists:seq(1, 300))}},
             {"maps", #{a => 1, <<"k">> => [1, 2], {x} => #{nested => true}, 1.5 => f}},
             {"pids_refs", {list_to_pid("<0.85.0>"), list_to_ref("#Ref<0.1.2.3>"), Other, OtherRef}},
             {"gen_call", {'$gen_call', {list_to_pid("<0.85.0>"), [alias | list_to_ref("#Ref<0.1.2.3>")]},
                           {is_auth, 'a@vm'}}}],
    [{Name ++ ".etf", term_to_binary(T)} || {Name, T} <- Terms] ++
        [{Name ++ ".utf8.etf", term_to_binary(T, [{minor_version, 2}])} || {Name, T} <- Terms].

%% A frame: 4-byte length, 'p', 131 Control, and for messages 131 Message. The first byte of a
%% seed is the fuzz target's chunk size less one.
dist_frames() ->
    From = list_to_pid("<0.85.0>"),
    To = list_to_pid("<0.90.0>"),
    Ref = list_to_ref("#Ref<0.1.2.3>"),
    Frame = fun(Control) -> frame([term_to_binary(Control, [{minor_version, 2}])]) end,
    Frame2 = fun(Control, Message) ->
                     frame([term_to_binary(Control, [{minor_version, 2}]), term_to_binary(Message, [{minor_version, 2}])])
             end,
    [{"send", [255, Frame2({2, '', To}, {hello, [1, 2, 3]})]},
     {"reg_send", [255, Frame2({6, From, '', net_kernel}, {'$gen_call', {From, Ref}, {is_auth, 'a@vm'}})]},
     {"link_monitor_exit", [255, Frame({1, From, To}), Frame({19, From, To, Ref}), Frame({3, From, To, normal})]},
     {"ticks_in_small_chunks", [2, <<0:32>>, Frame({1, From, To}), <<0:32>>]}].

frame(Parts) ->
    Payload = iolist_to_binary([$p | Parts]),
    <<(byte_size(Payload)):32, Payload/binary>>.

%% Handshake messages, each with its {packet,2} length: the initiator's and the acceptor's sides of
%% a whole handshake, and each message alone.
handshakes() ->
    Flags = 16#0000000d07df7fbd,
    Cookie = "secret",
    Challenge = 16#12345678,
    Reply = 16#9abcdef0,
    SendName = <<$N, Flags:64, 7:32, 5:16, "a@vm1">>,
    Status = <<"sok">>,
    ChallengeMsg = <<$N, Flags:64, Challenge:32, 9:32, 5:16, "b@vm2">>,
    ChallengeReply = <<$r, Reply:32, (digest(Challenge, Cookie))/binary>>,
    ChallengeAck = <<$a, (digest(Reply, Cookie))/binary>>,
    Packet = fun(M) -> <<(byte_size(M)):16, M/binary>> end,
    [{"initiator_receives", [Packet(Status), Packet(ChallengeMsg), Packet(ChallengeAck)]},
     {"acceptor_receives", [Packet(SendName), Packet(ChallengeReply)]},
     {"send_name", Packet(SendName)},
     {"status_not_allowed", Packet(<<"snot_allowed">>)},
     {"challenge", Packet(ChallengeMsg)},
     {"challenge_reply", Packet(ChallengeReply)},
     {"challenge_ack", Packet(ChallengeAck)}].

digest(Challenge, Cookie) -> erlang:md5([Cookie, integer_to_list(Challenge)]).
